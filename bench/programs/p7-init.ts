// P7: many live pooled tasks. Starts `tasks` children in groups of 250 (a
// CSpace and an Endpoint each: a CSpace may be bound by at most 256 tasks),
// each blocked in recv, parking their Task caps in radix-16 CSpaces; then
// releases them all and tears everything down until every page is back.
// argv: tasks. Returns the time of each thousand starts, the RSS, this
// thread's JavaScript heap and the free pages before and with every task
// live, and the teardown time. Before the starts and with every task live
// it prints a line on the Console and waits HOLD_MS, for the bench to
// measure the kernel thread meanwhile (bench/p7.ts). Run on one pooled
// thread, every child shares this thread, whose heap is then theirs too.
import { ObjectType as T, task, type BootInfo } from '../../src/task.ts';
import { sibling } from './sibling.ts';

const GROUP = 250;
const STORE_RADIX = 16;
const LAST = 30_000;
/** How long init holds still while the bench measures the kernel thread. */
export const HOLD_MS = 1500;
/** The Console lines of the two moments the bench measures. */
export const MARKS = { before: 'p7: before', live: 'p7: live' } as const;

/** This thread's JavaScript heap in use, after a full collection where V8's gc is exposed. */
function heapUsed(): number {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
  return process.memoryUsage().heapUsed;
}

const hold = () => new Promise((resolve) => setTimeout(resolve, HOLD_MS));

export default task(async (sys, boot: BootInfo) => {
  const tasks = Number(boot.argv[0] ?? 100_000);
  const mem = boot.memory[0].cap;
  const child = sibling('p7-child', import.meta.url);
  const atBoot = await sys.freePages(mem);
  // Slots of init's CSpace: 100.. stores, 200.. group CSpaces and Endpoints (kept), 1000.. a group's Tasks while they start.
  const stores: number[] = [];
  const groups: Array<{ cspace: number; endpoint: number; size: number }> = [];
  for (let s = 0; s * (1 << STORE_RADIX) < tasks; s++) {
    stores.push(100 + s);
    await sys.alloc(mem, T.CSpace, 100 + s, { size: STORE_RADIX });
  }
  const freeBefore = await sys.freePages(mem);
  const heapBefore = heapUsed();
  const rssBefore = process.memoryUsage().rss;
  await sys.print(boot.console, MARKS.before);
  await hold();
  const thousandMs: number[] = [];
  let mark = performance.now();
  const t0 = mark;
  for (let started = 0; started < tasks; ) {
    const g = groups.length;
    const n = Math.min(GROUP, tasks - started);
    const group = { cspace: 20_000 + 2 * g, endpoint: 20_001 + 2 * g, size: n };
    groups.push(group);
    await sys.alloc(mem, T.Endpoint, group.endpoint);
    await sys.alloc(mem, T.CSpace, group.cspace, { size: 1 });
    await sys.copy({ cspace: group.cspace, slot: 1 }, group.endpoint);
    await sys.alloc(mem, T.Task, 1000, { count: n });
    for (let i = 0; i < n; i++) {
      await sys.configure(1000 + i, { cspace: group.cspace });
      await sys.start(1000 + i, child);
      const at = started + i;
      // The last task started is kept in init's CSpace, to see when it is blocked.
      if (at === tasks - 1) await sys.move(LAST, 1000 + i);
      else await sys.move({ cspace: stores[at >>> STORE_RADIX], slot: at & ((1 << STORE_RADIX) - 1) }, 1000 + i);
      if ((at + 1) % 1000 === 0) {
        const now = performance.now();
        thousandMs.push(now - mark);
        mark = now;
      }
    }
    started += n;
  }
  const startMs = performance.now() - t0;
  // A pooled thread starts its tasks in the order they came: once the last
  // is blocked in recv, the others are (the release below proves it, as
  // each send waits for its receiver).
  while ((await sys.identify(LAST)).state !== 'blocked') await new Promise((resolve) => setTimeout(resolve, 5));
  const liveMs = performance.now() - t0;
  const freeLive = await sys.freePages(mem);
  const heapLive = heapUsed();
  const rssLive = process.memoryUsage().rss;
  await sys.print(boot.console, MARKS.live);
  await hold();
  const t1 = performance.now();
  for (const group of groups) for (let i = 0; i < group.size; i++) await sys.send(group.endpoint, {});
  const releaseMs = performance.now() - t1;
  await sys.destroy(LAST, ...stores);
  for (const group of groups) await sys.destroy(group.cspace, group.endpoint);
  const teardownMs = performance.now() - t1;
  const atEnd = await sys.freePages(mem);
  return { tasks, thousandMs, startMs, liveMs, releaseMs, teardownMs, rssBefore, rssLive, heapBefore, heapLive, taskPages: freeBefore - freeLive, atBoot, atEnd };
});
