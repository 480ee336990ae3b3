// P7: scale. 100,000 live pooled tasks, each blocked in recv, started by
// init one after another, then all released and torn down until every page
// is back (bench/programs/p7-init.ts). It reports the cost of a thousand
// starts as the live count grows, the memory each live task costs beyond
// its kernel pages, and the time to tear it all down.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PAGE_SIZE } from '../src/abi.ts';
import { boot, type SystemStats } from '../src/index.ts';
import { type BenchOptions, type BenchReport, median } from './harness.ts';
import { MARKS } from './programs/p7-init.ts';
import { program, watching } from './run-init.ts';

/** Goals (docs/goals.md): the cost of a start at 100k live against 1k live; 100k starts in all; JS memory per live task. */
export const P7_MAX_GROWTH = 1.5;
export const P7_MAX_START_S = 10;
export const P7_MAX_BYTES_PER_TASK = 4096;

export interface P7Result {
  tasks: number;
  /** Milliseconds of each thousand starts, in order: entry k ends with (k + 1) * 1000 tasks live. */
  thousandMs: number[];
  startMs: number;
  /** Until the last task started was blocked in recv. */
  liveMs: number;
  releaseMs: number;
  teardownMs: number;
  rssBefore: number;
  rssLive: number;
  /** JavaScript heap in use, after a full collection: init's pooled thread (every child's too), the kernel thread's, the host's. */
  heapBefore: number;
  heapLive: number;
  kernelHeap: { before: number; live: number };
  hostHeap: { before: number; live: number };
  /** Kernel pages the live tasks took (their Task objects, group CSpaces and Endpoints). */
  taskPages: number;
  atBoot: number;
  atEnd: number;
}

/**
 * One pooled thread holds init and every child, so that init can measure
 * their heap as its own thread's. The kernel thread's heap is measured
 * from here while init holds still at its two marks; a measure taken late
 * (init had gone on) fails the run instead of skewing it.
 */
export async function benchP7(options: BenchOptions, tasks = options.quick ? 10_000 : 100_000): Promise<P7Result> {
  // Memory for the tasks' objects and the stores of their caps, with room to spare.
  const memory = Math.min(4096, 64 + Math.ceil((tasks * 3 * PAGE_SIZE) / 2 ** 20)) * 2 ** 20;
  // Full collections before each heap measure: V8's gc, exposed to the threads booted after this.
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const hostHeap = () => {
    collect();
    return process.memoryUsage().heapUsed;
  };
  const measures: Record<string, Promise<{ stats: SystemStats; host: number }>> = {};
  const system = await boot({
    init: program('p7-init'),
    argv: [String(tasks)],
    threads: 1,
    memory,
    ...(watching.inspect ? { inspect: true as const } : {}),
    console: (line) => {
      if (line === MARKS.before || line === MARKS.live) measures[line] = system.stats({ gc: true }).then((stats) => ({ stats, host: hostHeap() }));
    },
  });
  try {
    const status = await system.exited;
    if (status.fault) throw new Error(`P7's init failed: ${status.fault.name}: ${status.fault.message}`);
    const r = status.value as P7Result;
    const before = await measures[MARKS.before];
    const live = await measures[MARKS.live];
    if (!before || !live) throw new Error("P7: init's marks never came");
    if (!before.stats.heap.collected || !live.stats.heap.collected) throw new Error("P7: the kernel thread's garbage could not be collected");
    // At the live mark every child is blocked in recv, and init waits: a measure that saw fewer came after init went on.
    if ((live.stats.tasks.blocked ?? 0) < tasks) throw new Error(`P7: the kernel was measured late, with ${live.stats.tasks.blocked ?? 0} of ${tasks} tasks blocked`);
    const { ok, violations } = await system.check();
    if (!ok) throw new Error(`P7: invariants violated: ${violations.join('; ')}`);
    if (r.atEnd !== r.atBoot) throw new Error(`P7: ${r.atBoot - r.atEnd} pages did not come back`);
    return { ...r, kernelHeap: { before: before.stats.heap.kernel, live: live.stats.heap.kernel }, hostHeap: { before: before.host, live: live.host } };
  } finally {
    await system.shutdown();
  }
}

/** JavaScript heap a live task costs, on every thread: bytes. */
export function heapPerTask(r: P7Result): number {
  return (r.heapLive - r.heapBefore + r.kernelHeap.live - r.kernelHeap.before + r.hostHeap.live - r.hostHeap.before) / r.tasks;
}

/** The cost of a thousand starts with about `live` tasks live (the thousand that ends there). */
function thousandAt(r: P7Result, live: number): number {
  return r.thousandMs[Math.min(r.thousandMs.length, Math.max(1, Math.round(live / 1000))) - 1];
}

export function p7Report(r: P7Result): BenchReport {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  // The cost at few live tasks: the median of the thousands from 1k to 10k
  // live. The first thousand is 3-4 x dearer (the child's program loads,
  // the code warms, spin budgets adapt) even after an untimed round, and
  // would flatter the ratio.
  const early = r.thousandMs.slice(1, 10);
  const base = median(early.length > 0 ? early : r.thousandMs);
  const at = [1000, 10_000, 50_000, 100_000].filter((n) => n <= r.tasks);
  const last = thousandAt(r, r.tasks);
  const jsBytes = heapPerTask(r);
  const rssBytes = (r.rssLive - r.rssBefore - r.taskPages * PAGE_SIZE) / r.tasks;
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
  const perTask = (before: number, live: number) => kib((live - before) / r.tasks);
  return {
    id: 'P7',
    title: `${r.tasks.toLocaleString('en')} live pooled tasks blocked in recv: starting them, their memory, tearing them down`,
    tables: [
      {
        columns: ['live tasks', 'a thousand starts', 'vs 1k-10k live'],
        rows: [
          ...at.map((n) => [`${n / 1000 - 1}k-${n / 1000}k`, ms(thousandAt(r, n)), `${(thousandAt(r, n) / base).toFixed(2)} x`]),
          ['1k-10k, median', ms(base), '1.00 x'],
        ],
      },
      {
        columns: ['figure', 'value'],
        rows: [
          [`${r.tasks.toLocaleString('en')} starts`, `${(r.startMs / 1000).toFixed(2)} s (all blocked in recv after ${(r.liveMs / 1000).toFixed(2)} s)`],
          ['RSS before / with every task live', `${(r.rssBefore / 2 ** 20).toFixed(0)} / ${(r.rssLive / 2 ** 20).toFixed(0)} MiB`],
          ['kernel pages of the live tasks', `${r.taskPages} (${((r.taskPages * PAGE_SIZE) / 2 ** 20).toFixed(0)} MiB)`],
          ['JavaScript heap per live task, every thread', kib(jsBytes)],
          ['  on the pooled thread (init and every child)', perTask(r.heapBefore, r.heapLive)],
          ['  on the kernel thread', perTask(r.kernelHeap.before, r.kernelHeap.live)],
          ['  on the host thread', perTask(r.hostHeap.before, r.hostHeap.live)],
          ['RSS per live task beyond its kernel pages', kib(rssBytes)],
          ['release (a send to each) / whole teardown', `${(r.releaseMs / 1000).toFixed(2)} s / ${(r.teardownMs / 1000).toFixed(2)} s, every page back`],
        ],
      },
    ],
    verdicts: [
      { goal: `P7 a start at ${r.tasks / 1000}k live <= ${P7_MAX_GROWTH} x one at 1k-10k live`, measured: `${(last / base).toFixed(2)} x`, met: last / base <= P7_MAX_GROWTH },
      { goal: `P7 ${r.tasks.toLocaleString('en')} starts <= ${P7_MAX_START_S} s`, measured: `${(r.startMs / 1000).toFixed(2)} s`, met: r.startMs / 1000 <= P7_MAX_START_S },
      { goal: `P7 <= ${P7_MAX_BYTES_PER_TASK / 1024} KiB of JavaScript heap a live task beyond its kernel pages`, measured: `${kib(jsBytes)} (every thread; RSS ${kib(rssBytes)})`, met: jsBytes <= P7_MAX_BYTES_PER_TASK },
    ],
    notes: [
      'a start here is configure + start + move of the Task cap into a store CSpace: three calls of init, on one pooled thread with every child',
      "heap per task is the growth of every thread's JavaScript heap after a full collection; the kernel pages are in the shared physical memory, outside any heap",
      "RSS per task is the whole process's growth less the kernel pages the tasks took; it also counts V8's free heap space and native buffers",
    ],
    data: r,
  };
}
