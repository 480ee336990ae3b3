// P6: starting pooled tasks whose program is already loaded. Latency: from
// sys.start to the child's first system call arriving, one at a time.
// Throughput: `burst` tasks started back to back, until the last has said
// hello. argv: samples, burst. Returns { latencyMs: number[], burstMs }.
import { ObjectType as T, task, type BootInfo } from '../../src/task.ts';
import { sibling } from './sibling.ts';

export default task(async (sys, boot: BootInfo) => {
  const samples = Number(boot.argv[0] ?? 200);
  const burst = Number(boot.argv[1] ?? 1000);
  const mem = boot.memory[0].cap;
  await sys.alloc(mem, T.Endpoint, 20);
  const child = sibling('p6-child', import.meta.url);
  let next = 1000;
  let cspace = 0;
  let bound = 250;
  const prepare = async (): Promise<number> => {
    if (bound === 250) {
      // A CSpace may be bound by at most 256 tasks (its reference limit).
      cspace = next++;
      await sys.alloc(mem, T.CSpace, cspace, { size: 1 });
      await sys.copy({ cspace, slot: 1 }, 20);
      bound = 0;
    }
    const slot = next++;
    await sys.alloc(mem, T.Task, slot);
    await sys.configure(slot, { cspace });
    bound++;
    return slot;
  };
  const warm = await prepare();
  await sys.start(warm, child);
  await sys.recv(20);
  const latencyMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const slot = await prepare();
    const t0 = performance.now();
    await sys.start(slot, child);
    await sys.recv(20);
    latencyMs.push(performance.now() - t0);
  }
  const slots: number[] = [];
  for (let i = 0; i < burst; i++) slots.push(await prepare());
  const t0 = performance.now();
  for (const slot of slots) await sys.start(slot, child);
  for (let i = 0; i < burst; i++) await sys.recv(20);
  const burstMs = performance.now() - t0;
  return { latencyMs, burstMs };
});
