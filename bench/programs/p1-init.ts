// P1: null system call (identify) round trips from one task. argv: calls per
// run, runs. Returns ns per call for each run.
import { task, type BootInfo } from '../../src/task.ts';

export default task(async (sys, boot: BootInfo) => {
  const calls = Number(boot.argv[0] ?? 20_000);
  const runs = Number(boot.argv[1] ?? 7);
  for (let i = 0; i < calls; i++) await sys.identify(0); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await sys.identify(0);
    samples.push(((performance.now() - t0) * 1e6) / calls);
  }
  return samples;
});
