// The kernel loop without threads: a task thread is simulated by writing
// request frames into a channel and reading the answers back.

import { afterEach, expect, it } from 'vitest';
import { Channel, KernelBell } from '../../src/ipc/channel.ts';
import { Decoder } from '../../src/ipc/codec.ts';
import { RequestArgs } from '../../src/ipc/regs.ts';
import { readResponses, requestWriter } from '../../src/ipc/wire.ts';
import { bootKernel, ObjectType as T, Op } from '../../src/kernel/index.ts';
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
  const args = new RequestArgs();
  args.take(undefined, undefined, (text) => new TextEncoder().encode(text));
  for (let seq = 1; seq <= calls; seq++) expect(writer.regs(1, seq, Op.Identify, 16, args)).toBe(true);
  expect(writer.waiting).toBe(0); // the calls fit their ring
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

type Frame = [tid: number, seq: number, request: Record<string, unknown>];

/**
 * A loop with init (tid 1) on one channel, driven pass by pass: serve()
 * writes frames, runs one pass and collects the answers by "tid:seq".
 */
function driven() {
  const { kernel, init } = bootKernel({ pages: 4096 });
  const bell = KernelBell.create(64);
  const channel = Channel.create(0);
  const started: number[] = [];
  const launcher = { start: (job: { tid: number }) => void started.push(job.tid), killed() {}, close: async () => {} };
  const driving = new KernelLoop(kernel, launcher, { print() {}, exit() {}, unheard() {} }, bell, [channel]);
  loop = driving;
  driving.startInit(init);
  driving.launch(init, 'file:///init.js', undefined, 'pool');
  const writer = requestWriter(channel);
  const decoder = new Decoder(channel.responses.data);
  const answers = new Map<string, number>();
  const serve = (...calls: Frame[]) => {
    for (const [tid, seq, request] of calls) writer.request(tid, seq, request);
    bell.ring(0);
    driving.pass();
    readResponses(channel, decoder, (tid, seq, status) => answers.set(`${tid}:${seq}`, status));
  };
  return { channel, started, answers, serve };
}

it("keeps each thread's count of calls blocked in the kernel, which the thread reads to park at once", () => {
  const { channel, started, answers, serve } = driven();
  serve(
    [1, 1, { op: Op.Alloc, cap: 16, type: T.Notification, dest: 20 }],
    [1, 2, { op: Op.Alloc, cap: 16, type: T.Task, dest: 21 }],
    [1, 3, { op: Op.Alloc, cap: 16, type: T.CSpace, dest: 22, size: 8 }],
    [1, 4, { op: Op.Copy, cap: 20, dest: { cspace: 22, slot: 1 } }],
    [1, 5, { op: Op.Configure, cap: 21, cspace: 22 }],
    [1, 6, { op: Op.Start, cap: 21, program: 'file:///child.js' }],
  );
  expect([...answers.values()]).toEqual([0, 0, 0, 0, 0, 0]);
  expect(started).toEqual([1, 2]);
  expect(channel.blockedCalls()).toBe(0);
  serve([1, 7, { op: Op.Wait, cap: 20 }]);
  expect(answers.has('1:7')).toBe(false);
  expect(channel.blockedCalls()).toBe(1); // init waits in the kernel
  serve([2, 1, { op: Op.Signal, cap: 1 }]);
  expect(answers.get('1:7')).toBe(0);
  expect(channel.blockedCalls()).toBe(0); // answered
  serve([1, 8, { op: Op.Wait, cap: 20 }]);
  expect(channel.blockedCalls()).toBe(1);
  serve([1, 9, { op: Op.Exit, code: 0 }]); // exiting while blocked: that call is over too
  expect(channel.blockedCalls()).toBe(0);
});

it('answers an exit made while suspended once the task is resumed, so its thread can end the job', () => {
  const { channel, answers, serve } = driven();
  serve(
    [1, 1, { op: Op.Alloc, cap: 16, type: T.Task, dest: 21 }],
    [1, 2, { op: Op.Alloc, cap: 16, type: T.CSpace, dest: 22, size: 8 }],
    [1, 3, { op: Op.Configure, cap: 21, cspace: 22 }],
    [1, 4, { op: Op.Start, cap: 21, program: 'file:///child.js' }], // tid 2
    [1, 5, { op: Op.Suspend, cap: 21 }],
  );
  serve([2, 1, { op: Op.Exit, code: 3 }]);
  expect(answers.has('2:1')).toBe(false); // held while suspended
  expect(channel.blockedCalls()).toBe(1);
  serve([1, 6, { op: Op.Resume, cap: 21 }]);
  expect(answers.get('1:6')).toBe(0);
  expect(answers.get('2:1')).toBe(0);
  expect(channel.blockedCalls()).toBe(0);
});
