// The wire encoding keeps every plain value intact and keeps malformed values
// malformed; frames survive the ring's wrap-around in order.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decoder, Encoder, MAX_WIRE_BYTES, Oversize, UNUSABLE } from '../../src/ipc/codec.ts';
import { Ring } from '../../src/ipc/ring.ts';

function roundTrip(value: unknown): unknown {
  const enc = new Encoder();
  enc.value(value);
  const shared = new Uint8Array(new SharedArrayBuffer(enc.pos + 8));
  shared.set(enc.bytes.subarray(0, enc.pos), 3);
  const dec = new Decoder(shared);
  dec.pos = 3;
  const out = dec.value();
  expect(dec.pos).toBe(enc.pos + 3);
  return out;
}

describe('codec', () => {
  it('round-trips plain values exactly', () => {
    const plain = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.integer(), fc.double(), fc.constant(-0), fc.string(), fc.string({ unit: 'grapheme' }), fc.boolean(),
        fc.constant(null), fc.constant(undefined), fc.uint8Array({ maxLength: 64 }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.constantFrom('cap', 'dest', 'slot', 'data', 'label'), fc.string()), tie('value'), { maxKeys: 4, noNullPrototype: true }),
      ),
    })).value;
    fc.assert(fc.property(plain, (v) => {
      expect(roundTrip(v)).toStrictEqual(v);
    }), { numRuns: 2000 });
  });

  it('turns values no call can use into a marker', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(roundTrip(() => 1)).toBe(UNUSABLE);
    expect(roundTrip(Symbol('s'))).toBe(UNUSABLE);
    expect(roundTrip(10n)).toBe(UNUSABLE);
    expect(roundTrip(cyclic)).toEqual({ a: 1, self: UNUSABLE });
    let deep: unknown = 1;
    for (let i = 0; i < 20; i++) deep = [deep];
    expect(JSON.stringify(roundTrip(deep))).not.toContain('1');
  });

  it('keeps a key named __proto__ an ordinary property', () => {
    const out = roundTrip(JSON.parse('{"__proto__": {"polluted": 1}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { polluted?: number }).polluted).toBeUndefined();
    expect(Object.keys(out)).toEqual(['__proto__']);
  });

  it('keeps a shared value that appears twice (not a cycle)', () => {
    const shared = { cap: 1 };
    expect(roundTrip([shared, shared])).toEqual([{ cap: 1 }, { cap: 1 }]);
  });

  it('sends the length of an oversize string or byte array, not its bytes', () => {
    const big = new Uint8Array(MAX_WIRE_BYTES + 1);
    const out = roundTrip({ data: big });
    expect((out as { data: Oversize }).data).toBeInstanceOf(Oversize);
    expect((out as { data: Oversize }).data.length).toBe(MAX_WIRE_BYTES + 1);
    expect(roundTrip('x'.repeat(MAX_WIRE_BYTES + 1))).toEqual(new Oversize(MAX_WIRE_BYTES + 1));
  });

  it('sends typed arrays of any element type as their bytes', () => {
    expect(roundTrip(new Uint16Array([1, 2]))).toEqual(new Uint8Array([1, 0, 2, 0]));
  });
});

describe('ring', () => {
  function makeRing(capacity: number) {
    const sab = new SharedArrayBuffer(64 + capacity);
    const control = new Int32Array(sab, 0, 16);
    return new Ring(sab, 64, capacity, control, 0, 1);
  }

  it('delivers frames in order across many wrap-arounds and refuses when full', () => {
    const ring = makeRing(256);
    const sent: number[][] = [];
    const got: number[][] = [];
    let n = 0;
    for (let round = 0; round < 500; round++) {
      for (;;) {
        const len = (n * 7) % 60;
        const payload = Uint8Array.from({ length: len }, (_, i) => (n + i) & 0xff);
        if (!ring.push(payload, len)) break;
        sent.push([...payload]);
        n++;
      }
      if (round % 3 === 0) {
        ring.drain((off, len) => got.push([...ring.data.subarray(off, off + len)]));
      } else {
        let first = true;
        // Drain only some rounds fully: a full ring must refuse without corrupting.
        ring.drain((off, len) => {
          got.push([...ring.data.subarray(off, off + len)]);
          first = false;
        });
        expect(first).toBe(false);
      }
    }
    expect(got).toEqual(sent);
    expect(ring.pending()).toBe(false);
  });

  it('rejects a frame larger than the ring', () => {
    const ring = makeRing(64);
    expect(() => ring.push(new Uint8Array(100), 100)).toThrow(RangeError);
  });
});
