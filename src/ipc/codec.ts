// A tagged encoding for the system calls and answers that do not go as
// register words (regs.ts, answers.ts): start and exit, whose arguments are
// structured values, any call with an argument that is not a plain word,
// and any answer of no register form. It carries
// exactly the plain values a call is made of (numbers, strings, bytes, arrays,
// plain objects, undefined/null/booleans) and keeps malformed input
// malformed: a function, a symbol, a bigint, a cycle, or a string or byte
// array too long for any call is encoded as a marker, so the kernel sees a
// value of the wrong kind and answers with the errno docs/semantics.md §12 gives for it,
// instead of the task side guessing.
//
// An encoder may also be given a limit for the whole encoding (a frame must
// fit its ring). Nothing then passes it: a string or byte array that would is
// sent as its length (Oversize), and an array or object that would is sent
// as Unusable, so an oversized call still reaches the kernel, which decides
// its errno in the documented order (a bad invoked cap is still EBADF).
//
// Layout: one tag byte, then the payload. Integers, lengths and counts are
// little-endian. An object is, for each key, a 1 byte, the key as a string
// and its value; then a 0 byte.

import { MAX_COPY_BYTES, MAX_PRINT_BYTES } from '../abi.ts';

const Tag = {
  Undefined: 0,
  Null: 1,
  False: 2,
  True: 3,
  Int32: 4,
  Float64: 5,
  String: 6,
  Bytes: 7,
  Array: 8,
  Object: 9,
  /** A value no call can use (function, symbol, bigint, cycle, too deep). */
  Unusable: 10,
  /** A string or byte array past the wire's limit; carries its length. */
  Oversize: 11,
} as const;

/** Before each key of an object; END_OF_OBJECT after the last. */
const KEY = 1;
const END_OF_OBJECT = 0;

/**
 * The most bytes of one string or byte array on the wire (16 KiB): room for
 * the largest write and print text the kernel takes, within a frame that fits
 * every ring (see wire.ts). A start argument or init's return value, once
 * structured-cloned, must fit it too.
 */
export const MAX_WIRE_BYTES = Math.max(MAX_COPY_BYTES, MAX_PRINT_BYTES);
/** The most bytes of a key the interface does not use; a longer one makes its object Unusable. */
const MAX_KEY_BYTES = 255;
const MAX_DEPTH = 8;
const MAX_ITEMS = 1 << 16;
/** The most bytes one scalar or marker takes (Float64 or Oversize: tag and 8 bytes). */
export const MAX_SCALAR_BYTES = 9;

/** What an unusable value decodes to: no call accepts it. */
export const UNUSABLE: unique symbol = Symbol('caduceus.unusable');

/** A string or byte array that was too long to send; the kernel sees its length. */
export class Oversize {
  constructor(readonly length: number) {}
}

/** Encodes values into a growing private buffer. */
export class Encoder {
  bytes = new Uint8Array(256);
  private view = new DataView(this.bytes.buffer);
  private text = Buffer.from(this.bytes.buffer);
  pos = 0;
  /** The most bytes the encoding may take (see the header); values past it become markers. */
  private limit = Number.POSITIVE_INFINITY;

  /** Starts a new encoding of at most `limit` bytes (with a container as its last value; a scalar may pass it by MAX_SCALAR_BYTES). */
  reset(limit = Number.POSITIVE_INFINITY): void {
    this.pos = 0;
    this.limit = limit;
  }

  private room(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.bytes.subarray(0, this.pos));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
    this.text = Buffer.from(bigger.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.bytes[this.pos++] = v;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  /** Writes raw bytes (no tag). */
  raw(src: Uint8Array): void {
    this.room(src.length);
    this.bytes.set(src, this.pos);
    this.pos += src.length;
  }

  value(v: unknown, depth = 0, seen?: Set<object>): void {
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) {
          this.u8(Tag.Int32);
          this.i32(v);
        } else {
          this.room(9);
          this.bytes[this.pos++] = Tag.Float64;
          this.view.setFloat64(this.pos, v, true);
          this.pos += 8;
        }
        return;
      case 'undefined':
        this.u8(Tag.Undefined);
        return;
      case 'boolean':
        this.u8(v ? Tag.True : Tag.False);
        return;
      case 'string':
        this.string(v);
        return;
      case 'object':
        if (v === null) this.u8(Tag.Null);
        else this.object(v, depth, seen);
        return;
      default:
        this.u8(Tag.Unusable);
    }
  }

  /** Whether `n` bytes of a string or byte array (and their tag and length) fit. */
  private fits(n: number): boolean {
    return n <= MAX_WIRE_BYTES && this.pos + 5 + n <= this.limit;
  }

  private string(v: string): void {
    if (v.length * 3 > MAX_WIRE_BYTES || this.pos + 5 + v.length * 3 > this.limit) {
      const n = Buffer.byteLength(v);
      if (!this.fits(n)) {
        this.oversize(n);
        return;
      }
    }
    this.room(5 + v.length * 3);
    this.bytes[this.pos] = Tag.String;
    const n = this.text.write(v, this.pos + 5, 'utf8');
    this.view.setUint32(this.pos + 1, n, true);
    this.pos += 5 + n;
  }

  private oversize(length: number): void {
    this.u8(Tag.Oversize);
    this.room(8);
    this.view.setFloat64(this.pos, length, true);
    this.pos += 8;
  }

  private object(v: object, depth: number, seen: Set<object> | undefined): void {
    if (ArrayBuffer.isView(v)) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      if (!this.fits(bytes.length)) {
        this.oversize(bytes.length);
        return;
      }
      this.u8(Tag.Bytes);
      this.u32(bytes.length);
      this.raw(bytes);
      return;
    }
    if (depth >= MAX_DEPTH || (seen !== undefined && seen.has(v))) {
      this.u8(Tag.Unusable);
      return;
    }
    const path = seen ?? new Set<object>();
    path.add(v);
    const start = this.pos;
    if (!(Array.isArray(v) ? this.array(v, depth, path) : this.fields(v, depth, path))) {
      // Too many items, a key too long, or past the limit: the whole value is unusable.
      this.pos = start;
      this.u8(Tag.Unusable);
    }
    path.delete(v);
  }

  /** An array's items; false when it cannot be sent. */
  private array(v: unknown[], depth: number, path: Set<object>): boolean {
    if (v.length > MAX_ITEMS) return false;
    this.u8(Tag.Array);
    this.u32(v.length);
    for (let i = 0; i < v.length; i++) {
      this.value(v[i], depth + 1, path);
      if (this.pos > this.limit) return false;
    }
    return this.pos <= this.limit;
  }

  /** An object's keys and values until an end byte (no key list to allocate); false when it cannot be sent. */
  private fields(v: object, depth: number, path: Set<object>): boolean {
    this.u8(Tag.Object);
    let keys = 0;
    for (const key in v) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
      if (++keys > MAX_ITEMS) return false;
      const n = Buffer.byteLength(key);
      if (n > MAX_KEY_BYTES || this.pos + 6 + n > this.limit) return false;
      this.u8(KEY);
      this.string(key);
      this.value((v as Record<string, unknown>)[key], depth + 1, path);
      if (this.pos >= this.limit) return false; // no room left for the end byte
    }
    this.u8(END_OF_OBJECT);
    return true;
  }
}

/** Decodes values from a byte array (shared or not). */
export class Decoder {
  private view: DataView;
  private buffer: Buffer;
  pos = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(): number {
    return this.bytes[this.pos++];
  }

  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Copies `n` raw bytes out into a fresh, unshared array. */
  raw(n: number): Uint8Array {
    const out = new Uint8Array(n);
    out.set(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  value(): unknown {
    const tag = this.bytes[this.pos++];
    switch (tag) {
      case Tag.Int32:
        return this.i32();
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Float64: {
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case Tag.String:
        return this.string();
      case Tag.Bytes:
        return this.raw(this.u32());
      case Tag.Array: {
        const n = this.u32();
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      case Tag.Object: {
        const out: Record<string, unknown> = {};
        for (;;) {
          const marker = this.u8();
          if (marker === END_OF_OBJECT) return out;
          const key = marker === KEY ? this.value() : undefined;
          if (typeof key !== 'string') throw new Error(`wire: a malformed key at byte ${this.pos}`);
          const v = this.value();
          // A key named __proto__ stays an ordinary property: no prototype games.
          if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
          else out[key] = v;
        }
      }
      case Tag.Oversize: {
        const n = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return new Oversize(n);
      }
      case Tag.Unusable:
        return UNUSABLE;
      default:
        throw new Error(`wire: unknown tag ${tag} at byte ${this.pos - 1}`);
    }
  }

  private string(): string {
    const n = this.u32();
    const s = this.buffer.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}
