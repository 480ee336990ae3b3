// Wake-ups of a parked task thread: the kernel bumps the response bell by the
// answers it publishes and notifies a parked thread only once the bell has
// reached what the thread asked for, unless told to wake it anyway.

import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { Channel } from '../../src/ipc/channel.ts';
import { BOOTSTRAP } from '../../src/workers/threads.ts';

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

/** Starts a thread that parks on `channel` for `want` answers, and waits until it is parked. */
async function parked(channel: Channel, want: number, syncMs: number): Promise<{ done: Promise<{ answers: number; ms: number }> }> {
  // The system's thread bootstrap loads a .ts entry through tsx.
  const worker = new Worker(BOOTSTRAP, {
    workerData: { entry: new URL('../fixtures/park-thread.ts', import.meta.url).href, buffer: channel.buffer, want, syncMs },
  });
  workers.push(worker);
  const done = once(worker, 'message').then(([m]) => m as { answers: number; ms: number });
  for (const end = Date.now() + 20_000; !channel.threadParked(); ) {
    if (Date.now() > end) throw new Error('the thread did not park within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return { done }; // wrapped: an async function returning the promise would wait for it
}

it('a thread parked for three answers sleeps through fewer and wakes at the third', async () => {
  const channel = Channel.create(0, 1 << 12);
  const { done } = await parked(channel, 3, 20_000);
  expect(channel.wakeThread(1)).toBe(false); // owed: left asleep
  expect(channel.wakeThread(1)).toBe(false);
  expect(channel.threadParked()).toBe(true);
  expect(channel.wakeThread(1)).toBe(true);
  const { answers, ms } = await done;
  expect(answers).toBe(3);
  expect(ms).toBeLessThan(10_000); // woken, not timed out
});

it('a wake-up owed to a parked thread is given when the kernel insists', async () => {
  const channel = Channel.create(0, 1 << 12);
  const { done } = await parked(channel, 8, 20_000);
  expect(channel.wakeThread(2)).toBe(false);
  expect(channel.wakeThread(0, true)).toBe(true);
  expect((await done).answers).toBe(2);
});

it('a coalescing wait ends by itself after its blocking time with what has come', async () => {
  const channel = Channel.create(0, 1 << 12);
  const { done } = await parked(channel, 5, 50);
  expect(channel.wakeThread(1)).toBe(false);
  const { answers, ms } = await done;
  expect(answers).toBe(1);
  expect(ms).toBeGreaterThanOrEqual(49);
});

it('a thread parked for one answer is woken by the first', async () => {
  const channel = Channel.create(0, 1 << 12);
  const { done } = await parked(channel, 1, 20_000);
  expect(channel.wakeThread(1)).toBe(true);
  expect((await done).answers).toBe(1);
});
