// Register frames (src/ipc/regs.ts): a call the task side writes as words
// reaches the kernel as exactly what its tagged frame would have given the
// kernel's decoders; arguments that are not plain words are refused (they go
// tagged); a malformed register frame is a malformed request; a kept request
// owns its data; a received message comes back whole.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Channel } from '../../src/ipc/channel.ts';
import { Decoder, Encoder } from '../../src/ipc/codec.ts';
import { isReceived, readReceived, receivedBytes, RegsRequest, REQUEST_REGS, RequestArgs, writeReceived } from '../../src/ipc/regs.ts';
import { keepRequest, RequestReader, requestWriter } from '../../src/ipc/wire.ts';
import { MSG_MAX_BYTES, Op } from '../../src/kernel/abi.ts';

const text = new TextEncoder();
const encode = (s: string) => text.encode(s);

/** What the kernel's decoders read of a message and landing slots, with their defaults applied. */
function kernelView(msg: unknown, slots: unknown): unknown {
  const m = (msg ?? {}) as { label?: unknown; data?: unknown; caps?: unknown };
  const caps = Array.isArray(m.caps)
    ? m.caps.map((c) => (typeof c === 'number' ? { cap: c, move: false } : { cap: (c as { cap: unknown }).cap, move: (c as { move?: unknown }).move === true }))
    : [];
  const data = m.data instanceof Uint8Array ? [...m.data] : [];
  return { label: m.label ?? 0, data, caps, slots: Array.isArray(slots) ? slots : [] };
}

/** The same call through the tagged codec, as the kernel would decode it. */
function viaTagged(msg: unknown, slots: unknown): unknown {
  const enc = new Encoder();
  const wire = typeof msg === 'object' && msg !== null && typeof (msg as { data?: unknown }).data === 'string' ? { ...msg, data: encode((msg as { data: string }).data) } : msg;
  enc.value({ msg: wire, slots });
  const got = new Decoder(enc.bytes.subarray(0, enc.pos)).value() as { msg: unknown; slots: unknown };
  return kernelView(got.msg, got.slots);
}

/** The same call written as register words and read back by the kernel's reader. */
function viaRegs(channel: Channel, args: RequestArgs, op: number, cap: number): RegsRequest {
  expect(requestWriter(channel).regs(7, 9, op, cap, args)).toBe(true);
  let got: unknown;
  new RequestReader(channel).read((tid, seq, request) => {
    expect([tid, seq]).toEqual([7, 9]);
    keepRequest(request); // read it after the frame is gone
    got = request;
  });
  expect(got).toBeInstanceOf(RegsRequest);
  return got as RegsRequest;
}

const word = fc.integer({ min: 0, max: 0x7fffffff });
const plainCap = fc.oneof(word, fc.record({ cap: word }), fc.record({ cap: word, move: fc.boolean() }));
const plainMsg = fc.option(
  fc.record(
    {
      label: fc.integer({ min: 0, max: 0xffffffff }),
      data: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 40 })),
      caps: fc.array(plainCap, { maxLength: 8 }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const plainSlots = fc.option(fc.array(word, { maxLength: 8 }), { nil: undefined });

describe('register frames', () => {
  it('give the kernel what the tagged frame of the same call gives it', () => {
    const channel = Channel.create(0, 1 << 14);
    const args = new RequestArgs();
    fc.assert(
      fc.property(plainMsg, plainSlots, word, (msg, slots, cap) => {
        expect(args.take(msg, slots, encode)).toBe(true);
        const got = viaRegs(channel, args, Op.Call, cap);
        expect(got.op).toBe(Op.Call);
        expect(got.cap).toBe(cap);
        expect(kernelView(got.msg, got.slots)).toEqual(viaTagged(msg, slots));
      }),
    );
  });

  it('refuse whatever is not a plain word, so that it goes tagged and the kernel sees it as it was', () => {
    const args = new RequestArgs();
    const refused: Array<[unknown, unknown]> = [
      [null, undefined],
      [[], undefined],
      [{ label: -1 }, undefined],
      [{ label: 1.5 }, undefined],
      [{ label: 2 ** 32 }, undefined],
      [{ label: '1' }, undefined],
      [{ data: 5 }, undefined],
      [{ data: new Uint8Array(MSG_MAX_BYTES + 1) }, undefined],
      [{ caps: 3 }, undefined],
      [{ caps: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, undefined],
      [{ caps: [-1] }, undefined],
      [{ caps: [2 ** 31] }, undefined],
      [{ caps: [{ cap: 1, move: 'yes' }] }, undefined],
      [{ caps: [null] }, undefined],
      [undefined, 4],
      [undefined, [0.5]],
      [undefined, Array.from({ length: 9 }, (_, i) => i)],
    ];
    for (const [msg, slots] of refused) expect(args.take(msg, slots, encode), JSON.stringify([msg, slots])).toBe(false);
    expect(args.take({ data: new Uint8Array(MSG_MAX_BYTES) }, [], encode)).toBe(true);
  });

  it('whose counts run past the frame are malformed requests', () => {
    const channel = Channel.create(0, 1 << 12);
    const ring = channel.requests;
    const bogus: Array<[number, number, number]> = [
      [8, 0, 0], // eight caps, none there
      [0, 200, 0],
      [0, 0, 1 << 20], // a megabyte of data in a 24-byte frame
      [0, 0, 0xffffffff],
    ];
    for (const [caps, slots, length] of bogus) {
      const at = ring.claim(24);
      const w = ring.words;
      w.set([1, 2, REQUEST_REGS | (Op.Send << 8) | (caps << 16) | (slots << 24), 1, 0, length], at >>> 2);
      ring.publish();
      const requests: unknown[] = [];
      new RequestReader(channel).read((_tid, _seq, request) => requests.push(request));
      expect(requests).toEqual([null]);
    }
    // And a frame too short for its fixed words.
    const at = ring.claim(12);
    ring.words.set([1, 2, REQUEST_REGS | (Op.Identify << 8)], at >>> 2);
    ring.publish();
    const requests: unknown[] = [];
    new RequestReader(channel).read((_tid, _seq, request) => requests.push(request));
    expect(requests).toEqual([null]);
  });

  it('wait in order behind a full ring, and reach the kernel whole once there is room', () => {
    const channel = Channel.create(0, 1 << 12);
    const writer = requestWriter(channel);
    const args = new RequestArgs();
    const sent: string[] = [];
    for (let i = 0; writer.waiting < 3; i++) {
      const text = `message ${i} `.repeat(40);
      args.take({ label: i, data: text }, [i], encode);
      writer.regs(1, i, Op.Send, 1, args);
      sent.push(text);
    }
    const got: string[] = [];
    const reader = new RequestReader(channel);
    const take = (_tid: number, seq: number, request: unknown) => {
      const r = request as RegsRequest;
      expect([r.msg.label, r.slots]).toEqual([seq, [seq]]);
      got.push(new TextDecoder().decode(r.msg.data));
    };
    while (got.length < sent.length) {
      reader.read(take);
      writer.retry();
    }
    expect(got).toEqual(sent);
    expect(writer.waiting).toBe(0);
  });

  it('reuse one record per channel until the kernel keeps one, which then owns its data', () => {
    const channel = Channel.create(0, 1 << 12);
    const writer = requestWriter(channel);
    const reader = new RequestReader(channel);
    const args = new RequestArgs();
    const seen: RegsRequest[] = [];
    const send = (data: string, keep: boolean) => {
      args.take({ data }, undefined, encode);
      writer.regs(1, 1, Op.Send, 1, args);
      reader.read((_tid, _seq, request) => {
        seen.push(request as RegsRequest);
        if (keep) keepRequest(request);
      });
    };
    send('first', false);
    send('second', true);
    const kept = new TextDecoder().decode(seen[1].msg.data);
    send('third!', false); // overwrites the ring where 'second' was
    expect(seen[1]).toBe(seen[0]); // reused while not kept
    expect(seen[2]).not.toBe(seen[1]); // a kept record is never reused
    expect(new TextDecoder().decode(seen[1].msg.data)).toBe(kept);
    expect(kept).toBe('second');
  });

  it('carry a received message back whole, and only a well-formed one', () => {
    const buffer = new ArrayBuffer(256);
    const value = { label: 0xfffffffe, data: encode('hello'), caps: [3, 9], badge: 0x80000001 };
    expect(isReceived(value)).toBe(true);
    writeReceived(new Uint32Array(buffer), new Uint8Array(buffer), 16, 5, 6, value);
    expect(receivedBytes(value)).toBe(28 + 8 + 5);
    expect(readReceived(new Uint32Array(buffer), new Uint8Array(buffer), 16)).toEqual(value);
    expect(isReceived({ ...value, badge: -1 })).toBe(false);
    expect(isReceived({ ...value, caps: [1.5] })).toBe(false);
    expect(isReceived({ ...value, data: 'x' })).toBe(false);
    expect(isReceived(undefined)).toBe(false);
  });
});
