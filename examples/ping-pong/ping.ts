// Calls pong `rounds` times with a counter, checks each answer, reports the times on slot 2.
import { task } from 'caduceus/task';

export default task(async (sys, arg: { rounds: number }) => {
  const micros: number[] = [];
  for (let i = 0; i < arg.rounds; i++) {
    const t0 = performance.now();
    const back = await sys.call(1, { label: i });
    micros.push((performance.now() - t0) * 1000);
    if (back.label !== i + 1) throw new Error(`pong answered ${back.label} to ${i}`);
  }
  await sys.call(1, { label: 0xffffffff }); // game over
  // A message carries at most 2048 bytes: send the summary, not every time.
  micros.sort((a, b) => a - b);
  const at = (q: number) => micros[Math.min(micros.length - 1, Math.floor(q * micros.length))];
  await sys.send(2, { data: JSON.stringify({ rounds: arg.rounds, min: at(0), median: at(0.5), p99: at(0.99), max: at(1) }) });
  return 0;
});
