// The kernel loop without threads: a task thread is simulated by writing
// request frames into a channel and reading the answers back.

import { afterEach, expect, it } from 'vitest';
import { Channel, KernelBell } from '../../src/ipc/channel.ts';
import { Decoder } from '../../src/ipc/codec.ts';
import { readResponses, requestWriter } from '../../src/ipc/wire.ts';
import { bootKernel, Op } from '../../src/kernel/index.ts';
import { KernelLoop } from '../../src/kernel/thread/loop.ts';

let loop: KernelLoop | undefined;
afterEach(async () => {
  await loop?.stop();
  loop = undefined;
});

it('answers that do not fit a full response ring wait in a backlog, and all arrive once the thread drains', async () => {
  const { kernel, init } = bootKernel({ pages: 4096 });
  const bell = KernelBell.create(64);
  const channel = Channel.create(0, 1024); // small rings: a few dozen answers overflow them
  loop = new KernelLoop(kernel, { start() {}, killed() {}, close: async () => {} }, { print() {}, exit() {}, unheard() {} }, bell, [channel]);
  loop.startInit(init);
  loop.launch(init, 'file:///init.js', undefined, 'pool'); // tid 1; the fake launcher runs nothing
  loop.run();
  const writer = requestWriter(channel);
  const calls = 30;
  for (let seq = 1; seq <= calls; seq++) writer.request(1, seq, { op: Op.Identify, cap: 16 });
  bell.ring(0);
  const decoder = new Decoder(channel.responses.data);
  const answered = new Set<number>();
  const drain = () => readResponses(channel, decoder, (_tid, seq, status) => status === 0 && answered.add(seq));
  const deadline = performance.now() + 600; // a parked loop would wake only after its 1 s park
  let drains = 0;
  while (answered.size < calls && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    drains += drain() > 0 ? 1 : 0;
  }
  expect(answered.size).toBe(calls);
  expect(drains).toBeGreaterThan(1); // they did not all fit at once
});
