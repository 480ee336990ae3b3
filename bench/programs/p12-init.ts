// P12: controlled mode's step rate. Init starts a pooled server that answers
// calls with replyRecv, then calls it `calls` times and returns how long that
// took in real time (sys.now() is virtual in a controlled run) as { ms }.
import { ObjectType as T, task, type BootInfo } from '../../src/task.ts';
import { sibling } from './sibling.ts';

export default task(async (sys, boot: BootInfo) => {
  const calls = Number(boot.argv[0] ?? 20_000);
  const mem = boot.memory[0].cap;
  await sys.alloc(mem, T.Endpoint, 20);
  await sys.alloc(mem, T.Task, 21);
  await sys.alloc(mem, T.CSpace, 22, { size: 3 });
  await sys.copy({ cspace: 22, slot: 1 }, 20);
  await sys.configure(21, { cspace: 22 });
  await sys.start(21, sibling('p2-server', import.meta.url), { mode: 'plain' });
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await sys.call(20);
  return { ms: performance.now() - t0 }; // not a bare number, which would be the exit code
});
