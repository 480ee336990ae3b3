// No frame can wedge a channel (issue 8): a ring refuses frames that might
// never fit, a frame writer keeps every frame within its ring whatever the
// value, and a call that throws while it is encoded leaves its task free to
// call again.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Channel, KernelBell } from '../../src/ipc/channel.ts';
import { Decoder, MAX_WIRE_BYTES, Oversize, UNUSABLE } from '../../src/ipc/codec.ts';
import { Ring } from '../../src/ipc/ring.ts';
import { MAX_FRAME_BYTES, requestWriter } from '../../src/ipc/wire.ts';
import { KernelError, Op } from '../../src/abi.ts';
import { ThreadRuntime } from '../../src/workers/runtime.ts';

function makeRing(capacity: number): Ring {
  const sab = new SharedArrayBuffer(64 + capacity);
  return new Ring(sab, 64, capacity, new Int32Array(sab, 0, 16), 0, 1);
}

/** Writes one request and reads it back as the kernel would, with its frame's length. */
function sendOne(channel: Channel, request: unknown): { length: number; request: unknown } {
  requestWriter(channel).request(1, 1, request);
  const decoder = new Decoder(channel.requests.data);
  let length = -1;
  let got: unknown;
  channel.requests.drain((offset, n) => {
    length = n;
    decoder.pos = offset + 8; // past tid and seq
    got = decoder.value();
  });
  return { length, request: got };
}

describe('ring', () => {
  it('refuses a frame over half the ring for good: once the tail sits mid-ring it could never fit', () => {
    const ring = makeRing(256);
    expect(ring.maxFrame).toBe(124);
    expect(() => ring.push(new Uint8Array(125), 125)).toThrow(RangeError);
    // Move the tail to the middle, then drain: a frame of maxFrame still fits, wherever the tail is.
    for (const fill of [0, 60, 100, 124]) {
      const r = makeRing(256);
      expect(r.push(new Uint8Array(fill), fill)).toBe(true);
      r.drain(() => {});
      expect(r.push(new Uint8Array(124), 124)).toBe(true);
    }
  });
});

describe('frame writer', () => {
  it('keeps every frame within the ring and the frame limit, whatever the request', () => {
    const big = fc.oneof(
      fc.integer({ min: 0, max: 3 * MAX_FRAME_BYTES }).map((n) => new Uint8Array(n)),
      fc.integer({ min: 0, max: 3 * MAX_FRAME_BYTES }).map((n) => 'é'.repeat(n)),
      fc.integer({ min: 0, max: 12_000 }).map((n) => new Array<number>(n).fill(1234567)),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, big, fc.integer(), fc.string(), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 })),
    })).v;
    for (const ringBytes of [1 << 16, 1 << 18, 4096]) {
      fc.assert(
        fc.property(value, value, (a, b) => {
          const channel = Channel.create(0, ringBytes);
          const { length } = sendOne(channel, { op: Op.NbSend, cap: 5, msg: { data: a }, arg: b });
          expect(length).toBeLessThanOrEqual(Math.min(channel.requests.maxFrame, MAX_FRAME_BYTES));
        }),
        { numRuns: 60 },
      );
    }
  });

  it('sends the scalars of a call whose big values do not fit, so the kernel still checks its caps first', () => {
    const channel = Channel.create(0, 1 << 16);
    const { request } = sendOne(channel, { op: Op.NbSend, cap: 7, msg: { label: 3, data: new Uint8Array(1e6) } });
    expect(request).toEqual({ op: Op.NbSend, cap: 7, msg: { label: 3, data: new Oversize(1e6) } });
    // Two values each within MAX_WIRE_BYTES that together pass the frame: the later one is the marker.
    const two = sendOne(channel, { op: Op.Write, bytes: new Uint8Array(MAX_WIRE_BYTES), arg: new Uint8Array(MAX_WIRE_BYTES), cap: 2 }).request;
    expect(two).toEqual({ op: Op.Write, bytes: new Uint8Array(MAX_WIRE_BYTES), arg: new Oversize(MAX_WIRE_BYTES), cap: 2 });
    const many = sendOne(channel, { op: Op.Destroy, caps: new Array<number>(20_000).fill(9) }).request;
    expect(many).toEqual({ op: Op.Destroy, caps: UNUSABLE });
  });
});

describe('thread runtime', () => {
  it('a call that throws while it is encoded rejects with that error and leaves the task free to call again', async () => {
    const channel = Channel.create(0);
    const runtime = new ThreadRuntime(channel, KernelBell.create(32));
    const hostile = {
      op: Op.Print,
      get text(): string {
        throw new Error('a getter that throws');
      },
    };
    await expect(runtime.call(1, hostile)).rejects.toThrow('a getter that throws');
    // Not EBUSY: the next call is queued (it waits for a kernel that is not there).
    const next = runtime.call(1, { op: Op.Yield });
    const settled = await Promise.race([next.then(() => 'answered', (e: unknown) => (e instanceof KernelError ? e.code : 'threw')), new Promise((r) => setTimeout(() => r('pending'), 50))]);
    expect(settled).toBe('pending');
    expect(channel.requests.pending()).toBe(true);
  });
});
