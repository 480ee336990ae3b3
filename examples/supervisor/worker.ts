// A worker that does a little work and, depending on a seeded draw, crashes.
import { task } from 'caduceus/task';

/** A small deterministic generator: the same seed, worker and attempt always draw the same. */
function draw(seed: number, id: number, attempt: number): number {
  let h = (seed ^ Math.imul(id + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

export default task(async (sys, arg: { id: number; attempt: number; seed: number }) => {
  await sys.print(1, `worker ${arg.id}: attempt ${arg.attempt} running`);
  for (let i = 0; i < 100; i++) await sys.yield();
  if (draw(arg.seed, arg.id, arg.attempt) < 0.5) throw new Error(`worker ${arg.id} tripped on attempt ${arg.attempt}`);
  return 0;
});
