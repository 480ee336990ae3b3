// What a live pooled task costs in JavaScript heap (goal P7: at most 4 KiB
// beyond its kernel pages, on every thread). A pooled job is over once its
// task has begun, so neither piscina side keeps anything per live task;
// when each job was held until its task ended, a task blocked in recv cost
// about 5.7 KiB. The P7 bench's own run, at 5,000 tasks.

import { setFlagsFromString } from 'node:v8';
import { expect, it } from 'vitest';
import { benchP7, heapPerTask, P7_MAX_BYTES_PER_TASK } from '../../bench/p7.ts';
import { start } from './helpers.ts';

it('a pooled task blocked in recv costs at most 4 KiB of JavaScript heap on every thread, and every page comes back', async () => {
  // benchP7 checks that every page came back and the invariants hold, and throws if not.
  const r = await benchP7({}, 5000);
  expect(r.tasks).toBe(5000);
  expect(heapPerTask(r)).toBeLessThanOrEqual(P7_MAX_BYTES_PER_TASK);
  // The kernel side alone: its task entry, the pending call, the launcher's record.
  expect((r.kernelHeap.live - r.kernelHeap.before) / r.tasks).toBeLessThan(2048);
}, 60_000);

it("stats({ gc: true }) collects the kernel thread's garbage first; bad options are TypeErrors and the system goes on", async () => {
  setFlagsFromString('--expose-gc');
  const system = await start('idle-init.ts', { threads: 1 });
  while (system.lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  expect((await system.stats({ gc: true })).heap.collected).toBe(true);
  expect((await system.stats()).heap.collected).toBe(false);
  expect((await system.stats({})).heap.collected).toBe(false);
  await expect(system.stats({ gc: 'yes' } as never)).rejects.toThrow(new TypeError("stats(): 'gc' must be true or false, got string"));
  await expect(system.stats(5 as never)).rejects.toThrow(new TypeError('stats() takes an options object, got number'));
  await expect(system.stats(null as never)).rejects.toThrow(new TypeError('stats() takes an options object, got null'));
  expect((await system.check()).ok).toBe(true);
});
