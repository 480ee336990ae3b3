// P3: total system calls per second of N pooled tasks on one thread, against
// one task alone. argv: tasks, calls per task, runs, and 'many' to time only
// the N tasks (the scaling bench). Returns { one, many } as calls/s per run.
import { ObjectType as T, task, type BootInfo } from '../../src/task.ts';
import { sibling } from './sibling.ts';

const GROUP = 250;
/** Where the children's CSpaces are; their Tasks are from slot 1000 on. */
const CSPACES = 60_000;
/** Caps destroyed by one call. */
const BATCH = 64;

export default task(async (sys, boot: BootInfo) => {
  const tasks = Number(boot.argv[0] ?? 64);
  const calls = Number(boot.argv[1] ?? 2000);
  const runs = Number(boot.argv[2] ?? 5);
  const manyOnly = boot.argv[3] === 'many';
  const mem = boot.memory[0].cap;
  await sys.alloc(mem, T.Endpoint, 20, { count: 2 }); // 20 go, 21 done
  // The children's CSpaces, one per GROUP of them (a CSpace takes at most 256 references).
  for (let g = 0; g * GROUP < tasks; g++) {
    await sys.alloc(mem, T.CSpace, CSPACES + g, { size: 2 });
    await sys.copy({ cspace: CSPACES + g, slot: 1 }, 20);
    await sys.copy({ cspace: CSPACES + g, slot: 2 }, 21);
  }
  const child = sibling('p3-child', import.meta.url);
  const round = async (n: number): Promise<number> => {
    const first = 1000;
    let next = first;
    for (let i = 0; i < n; i++) {
      await sys.alloc(mem, T.Task, next);
      await sys.configure(next, { cspace: CSPACES + Math.floor(i / GROUP) });
      await sys.start(next, child, { calls });
      next++;
    }
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await sys.send(20);
    for (let i = 0; i < n; i++) await sys.recv(21);
    const rate = (n * calls) / ((performance.now() - t0) / 1000);
    for (let i = 0; i < n; i += BATCH) await sys.destroy(...Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => first + i + j));
    return rate;
  };
  await round(1);
  await round(tasks); // warm-up
  const one: number[] = [];
  const many: number[] = [];
  for (let r = 0; r < runs; r++) {
    if (!manyOnly) one.push(await round(1));
    many.push(await round(tasks));
  }
  return { one, many };
});
