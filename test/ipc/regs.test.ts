// Register frames (src/ipc/regs.ts): a call the task side writes as words
// reaches the kernel as exactly what its tagged frame would have given the
// kernel's decoders; arguments that are not plain words are refused (they go
// tagged); a malformed register frame is a malformed request; a kept request
// owns its data; every call that sends no message carries its fields as
// words too; a received message and every other answer come back whole.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Channel } from '../../src/ipc/channel.ts';
import { Decoder, Encoder, MAX_WIRE_BYTES } from '../../src/ipc/codec.ts';
import { Answer, isReceived, readAnswer, readReceived, receivedBytes, writeReceived } from '../../src/ipc/answers.ts';
import { RegsRequest, REQUEST_REGS, RequestArgs } from '../../src/ipc/regs.ts';
import { ARG_WORDS, type WordKind } from '../../src/ipc/syscalls.ts';
import { keepRequest, RequestReader, requestWriter } from '../../src/ipc/wire.ts';
import { MAX_PRINT_BYTES, MSG_MAX_BYTES, Op, type OpCode, opName } from '../../src/abi.ts';

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
      [0, 15, 0], // fifteen landing slots, none there
      [0, 0, 1 << 20], // a megabyte of data in a 24-byte frame
      [0, 0, 0xffffffff],
    ];
    for (const [caps, slots, length] of bogus) {
      const at = ring.claim(24);
      const w = ring.words;
      w.set([1, 2, REQUEST_REGS | (Op.Send << 8) | (caps << 16) | (slots << 20), 1, 0, length], at >>> 2);
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

/** A field as the kernel compares it: bytes as plain arrays. */
function plain(value: unknown): unknown {
  return value instanceof Uint8Array ? [...value] : value;
}

/** The fields of a call that sends no message, through the tagged codec, as the kernel would decode them. */
function taggedFields(op: number, cap: number, fields: Record<string, unknown>): Record<string, unknown> {
  const enc = new Encoder();
  enc.value({ ...fields, op, cap });
  return new Decoder(enc.bytes.subarray(0, enc.pos)).value() as Record<string, unknown>;
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const dest = fc.oneof(word, fc.record({ cspace: word, slot: fc.integer({ min: 0, max: 0x7ffffffe }) }));
const arbitraryOf: Record<WordKind, fc.Arbitrary<unknown>> = { u32, bool: fc.boolean(), dest };

/** Plain fields for `op`: its argument words, each maybe absent, and destroy's caps, write's bytes or print's text. */
function plainFields(op: OpCode): fc.Arbitrary<Record<string, unknown>> {
  const layout = (ARG_WORDS as Partial<Record<number, ReadonlyArray<readonly [string, WordKind]>>>)[op] ?? [];
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, kind] of layout) shape[name] = arbitraryOf[kind];
  const extra: Record<string, fc.Arbitrary<unknown>> = {};
  if (op === Op.Destroy) extra.caps = fc.array(word, { maxLength: 15 });
  if (op === Op.Write) extra.bytes = fc.uint8Array({ maxLength: 300 });
  if (op === Op.Print) extra.text = fc.string({ maxLength: 200, unit: 'binary' });
  return fc.tuple(fc.record(shape, { requiredKeys: [] }), fc.record(extra)).map(([a, b]) => ({ ...a, ...b }));
}

const FIELD_OPS: OpCode[] = [
  Op.Alloc, Op.Copy, Op.Move, Op.Destroy, Op.StoreReply, Op.Configure, Op.Map, Op.Unmap,
  Op.Read, Op.View, Op.Write, Op.Print, Op.Suspend, Op.Resume, Op.Identify, Op.FreePages,
];

describe('register frames of calls that send no message', () => {
  it('give the kernel every field the tagged frame of the same call gives it', () => {
    const channel = Channel.create(0, 1 << 14);
    const args = new RequestArgs();
    const names = ['type', 'dest', 'size', 'count', 'rights', 'badge', 'cspace', 'vspace', 'fault', 'vaddr', 'n', 'write', 'caps', 'bytes', 'text'];
    for (const op of FIELD_OPS) {
      fc.assert(
        fc.property(plainFields(op), word, (fields, cap) => {
          expect(args.takeFields(op, fields, encode)).toBe(true);
          const got = viaRegs(channel, args, op, cap);
          const tagged = taggedFields(op, cap, fields);
          expect([got.op, got.cap]).toEqual([op, cap]);
          for (const name of names) expect(plain(got[name]), `${opName(op)} ${name}`).toEqual(plain(tagged[name]));
        }),
        { numRuns: 60 },
      );
    }
  });

  it('clear the fields of the frame before, so a reused record holds only its own call', () => {
    const channel = Channel.create(0, 1 << 12);
    const writer = requestWriter(channel);
    const reader = new RequestReader(channel);
    const args = new RequestArgs();
    const seen: RegsRequest[] = [];
    const send = (op: OpCode, fields: Record<string, unknown>) => {
      expect(args.takeFields(op, fields, encode)).toBe(true);
      writer.regs(1, 1, op, 3, args);
      reader.read((_tid, _seq, request) => seen.push(request as RegsRequest));
    };
    send(Op.Alloc, { type: 4, dest: { cspace: 2, slot: 9 }, count: 3 });
    expect([seen[0].type, seen[0].dest, seen[0].size, seen[0].count]).toEqual([4, { cspace: 2, slot: 9 }, undefined, 3]);
    send(Op.Write, { vaddr: 4096, bytes: encode('page') });
    send(Op.Unmap, { vaddr: 8192 });
    expect(seen[2]).toBe(seen[0]);
    expect([seen[2].op, seen[2].vaddr, seen[2].type, seen[2].dest, seen[2].count, seen[2].bytes]).toEqual([Op.Unmap, 8192, undefined, undefined, undefined, undefined]);
  });

  it('refuse fields that are not plain words, so that they go tagged', () => {
    const args = new RequestArgs();
    const refused: Array<[OpCode, Record<string, unknown>]> = [
      [Op.Alloc, { type: -1, dest: 1 }],
      [Op.Alloc, { type: 1.5, dest: 1 }],
      [Op.Alloc, { type: 1, dest: 1, size: 2 ** 32 }],
      [Op.Alloc, { type: '1', dest: 1 }],
      [Op.Alloc, { type: 1, dest: 2 ** 31 }],
      [Op.Alloc, { type: 1, dest: [1, 2] }],
      [Op.Alloc, { type: 1, dest: { cspace: 1 } }],
      [Op.Alloc, { type: 1, dest: { cspace: 1, slot: -1 } }],
      [Op.Alloc, { type: 1, dest: Object.create({ cspace: 1, slot: 2 }) }],
      [Op.Map, { vspace: 1, vaddr: 0, write: 1 }],
      [Op.Copy, { dest: 1, badge: -5 }],
      [Op.Destroy, { caps: 1 }],
      [Op.Destroy, { caps: [{ cspace: 1, slot: 2 }] }],
      [Op.Destroy, { caps: Array.from({ length: 16 }, (_, i) => i) }],
      [Op.Write, { vaddr: 0, bytes: 'text' }],
      [Op.Write, { vaddr: 0, bytes: new Uint8Array(MAX_WIRE_BYTES + 1) }],
      [Op.Print, { text: 5 }],
      [Op.Print, { text: 'x'.repeat(MAX_PRINT_BYTES + 1) }],
      [Op.Print, { text: '\u00e9'.repeat(MAX_PRINT_BYTES / 2 + 1) }],
    ];
    for (const [op, fields] of refused) expect(args.takeFields(op, fields, encode), `${opName(op)} ${String(Object.keys(fields))}`).toBe(false);
    expect(args.takeFields(Op.Print, { text: '\u00e9'.repeat(MAX_PRINT_BYTES / 2) }, encode)).toBe(true);
    expect(args.takeFields(Op.Write, { vaddr: 0, bytes: new Uint16Array(4) }, encode)).toBe(true);
    expect(args.data.length).toBe(8);
  });

  it('with present bits past the op\'s arguments, or a boolean word past 1, are malformed requests', () => {
    const channel = Channel.create(0, 1 << 12);
    const ring = channel.requests;
    const frames = [
      [1, 2, REQUEST_REGS | (Op.Identify << 8) | (1 << 24), 1, 0, 0],
      [1, 2, REQUEST_REGS | (Op.Unmap << 8) | (2 << 24), 1, 0, 0, 4096],
      [1, 2, REQUEST_REGS | (Op.Map << 8) | (7 << 24), 1, 0, 0, 2, 4096, 2],
    ];
    for (const frame of frames) {
      const at = ring.claim(frame.length * 4);
      ring.words.set(frame.map((w) => w >>> 0), at >>> 2);
      ring.publish();
      const requests: unknown[] = [];
      new RequestReader(channel).read((_tid, _seq, request) => requests.push(request));
      expect(requests).toEqual([null]);
    }
  });
});

describe('answers as register words', () => {
  const identities = [
    { type: 0, rights: 0, badge: 0 },
    { type: 5, rights: 7, badge: 0xffffffff, phys: 0xfffff000, pages: 3, refs: 256 },
    { type: 3, rights: 1, badge: 2, phys: 4096, pages: 2, refs: 1, radix: 16 },
    { type: 4, rights: 7, badge: 0, phys: 8192, pages: 1, refs: 2, state: 'blocked' },
    { type: 9, rights: 2, badge: 0, refs: 1 },
  ];
  const values: unknown[] = [undefined, 0, 7, 0xffffffff, new Uint8Array(0), encode('bytes read'), { phys: 40960, length: 1 << 20 }, ...identities];

  it('come back as the value the kernel answered', () => {
    const answer = new Answer();
    const buffer = new ArrayBuffer(4096);
    for (const value of values) {
      expect(answer.take(value), JSON.stringify(value)).toBe(true);
      expect(answer.frameBytes()).toBeLessThan(256);
      answer.write(new Uint32Array(buffer), new Uint8Array(buffer), 64, 5, 6);
      const words = new Uint32Array(buffer);
      expect([words[16], words[17], words[18]]).toEqual([5, 6, 0]);
      expect(readAnswer(words, new Uint8Array(buffer), 64)).toEqual(value);
    }
  });

  it('have no form for a value that is not one of them, which then goes tagged', () => {
    const answer = new Answer();
    for (const value of [-1, 1.5, 2 ** 32, 'text', null, true, [1], { type: 1, rights: 2, badge: 3, extra: 4 }, { type: 1, rights: 2 }, { type: 1, rights: 2, badge: 3, state: 7 }, { phys: 1, length: 2, more: 3 }, { phys: -1, length: 2 }, {}]) {
      expect(answer.take(value), JSON.stringify(value)).toBe(false);
    }
  });
});
