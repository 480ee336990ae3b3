// Register frames: the fixed word layout of every system call but start and
// exit (whose arguments are structured values), and of the answers a call
// gets back. The task side writes these words straight into its request
// ring; the kernel reads them into one request record per channel, reused
// from call to call, and answers in words too. A call whose arguments are not
// plain words (a cap that is not a small integer, a label out of range, too
// many caps or slots, data too long, a destination of an odd shape) goes as
// a tagged frame (codec.ts), so the kernel still sees a malformed argument as
// it was and answers it as docs/semantics.md §12 says.
//
// Request, after the frame's tid and seq words (all words little-endian u32):
//
//   word 2  0xF0 | op << 8 | list << 16 | slots << 20 | present << 24
//   word 3  cap (the invoked caddr; 0 when the op has none)
//   word 4  message label (0 when the op sends no message)
//   word 5  data length in bytes
//   then    the op's argument words (syscalls.ts ARG_WORDS; a destination
//           takes two: a caddr and 0, or a CSpace caddr and slot + 1;
//           present bit i: argument i was given), one word per listed cap
//           (a message's caps, bit 31 set: move it; destroy's caps), one
//           word per landing slot, then the data bytes (a message's data,
//           write's bytes, print's text in UTF-8)
//
// Answers are register words too: see answers.ts.
//
// A kernel reading a register frame trusts none of it: counts past what the
// frame holds, present bits past the op's arguments, and a boolean that is
// neither 0 nor 1 make the request malformed (EINVAL); every word goes
// through the same checks as a tagged request's values.

import { MAX_PRINT_BYTES, MSG_MAX_BYTES, MSG_MAX_CAPS, Op, type OpCode } from '../abi.ts';
import { MAX_WIRE_BYTES } from './codec.ts';
import { ARG_WORDS, type WordKind } from './syscalls.ts';

/** Byte 8 of a request frame (the tag of a tagged request) marking register words. */
export const REQUEST_REGS = 0xf0;
const MOVE = 0x80000000;
/** The most caps or slots a frame's four-bit counts hold. */
const MAX_LIST = 15;
/** Bytes of a request's fixed words (tid, seq, header, cap, label, length). */
const REQUEST_FIXED = 24;
/** No bytes. */
export const EMPTY = new Uint8Array(0);
type Layout = ReadonlyArray<readonly [string, WordKind]>;
const NO_ARGS: Layout = [];

/** Each op's argument layout, and the words it takes, by op code. */
const layouts: Layout[] = [];
const layoutWords: number[] = [];
for (let op = 0; op < 256; op++) {
  const layout: Layout = (ARG_WORDS as Partial<Record<number, Layout>>)[op] ?? NO_ARGS;
  layouts.push(layout);
  layoutWords.push(layout.reduce((n, [, kind]) => n + (kind === 'dest' ? 2 : 1), 0));
}
/** Every argument field a register frame can fill, besides the message's. */
const ARG_FIELDS = [...new Set(layouts.flatMap((layout) => layout.map(([name]) => name))), 'caps', 'bytes', 'text'];

/** A caddr that fits a word with bit 31 free (the move bit of an attached cap). */
export function isWord(value: unknown): value is number {
  return typeof value === 'number' && (value & 0x7fffffff) === value;
}

/** A number that is a u32 word. */
export function isU32(value: unknown): value is number {
  return typeof value === 'number' && value >>> 0 === value;
}

/** The words of an attached cap (bit 31: move), or -1 when it is not plain. */
function capWord(entry: unknown): number {
  if (isWord(entry)) return entry;
  if (typeof entry !== 'object' || entry === null) return -1;
  const { cap, move } = entry as { cap?: unknown; move?: unknown };
  if (!isWord(cap) || (move !== undefined && typeof move !== 'boolean')) return -1;
  return move === true ? (cap | MOVE) >>> 0 : cap;
}

/** Bytes of a view's window, or null when `value` is not an ArrayBuffer view. */
function bytesOf(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

/**
 * A call's arguments as register words, checked for form only (the kernel
 * checks their meaning). Filled by `take` (a message and landing slots) or
 * `takeFields` (any other op's fields), which return false when some
 * argument must go as a tagged frame instead.
 */
export class RequestArgs {
  label = 0;
  data: Uint8Array = EMPTY;
  /** The listed caps: a message's (bit 31: move) or destroy's. */
  readonly caps: number[] = [];
  readonly slots: number[] = [];
  /** The op's argument words, and a bit per argument given. */
  readonly words: number[] = [];
  present = 0;

  private clear(): void {
    this.caps.length = 0;
    this.slots.length = 0;
    this.words.length = 0;
    this.present = 0;
    this.label = 0;
    this.data = EMPTY;
  }

  /** Takes a message (undefined, or an object with label, data and caps) and landing slots. */
  take(msg: unknown, slots: unknown, encode: (text: string) => Uint8Array): boolean {
    this.clear();
    if (msg !== undefined) {
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return false;
      const { label, data, caps } = msg as { label?: unknown; data?: unknown; caps?: unknown };
      if (label !== undefined) {
        if (!isU32(label)) return false;
        this.label = label;
      }
      if (typeof data === 'string') this.data = encode(data);
      else if (data !== undefined) {
        const bytes = bytesOf(data);
        if (bytes === null) return false;
        this.data = bytes;
      }
      if (this.data.length > MSG_MAX_BYTES) return false;
      if (caps !== undefined) {
        if (!Array.isArray(caps) || caps.length > MSG_MAX_CAPS) return false;
        for (const entry of caps) {
          const word = capWord(entry);
          if (word < 0) return false;
          this.caps.push(word);
        }
      }
    }
    if (slots !== undefined) {
      if (!Array.isArray(slots) || slots.length > MSG_MAX_CAPS) return false;
      for (const slot of slots) {
        if (!isWord(slot)) return false;
        this.slots.push(slot);
      }
    }
    return true;
  }

  /**
   * Takes the fields of a call that sends no message, by its op's argument
   * words (syscalls.ts ARG_WORDS), plus destroy's caps, write's bytes and
   * print's text.
   */
  takeFields(op: OpCode, fields: Readonly<Record<string, unknown>>, encode: (text: string) => Uint8Array): boolean {
    this.clear();
    const layout = layouts[op];
    for (let i = 0; i < layout.length; i++) {
      const [name, kind] = layout[i];
      const value = fields[name];
      if (value === undefined) {
        this.words.push(0);
        if (kind === 'dest') this.words.push(0);
        continue;
      }
      this.present |= 1 << i;
      if (!this.argument(kind, value)) return false;
    }
    if (op === Op.Destroy) {
      const { caps } = fields;
      if (!Array.isArray(caps) || caps.length > MAX_LIST) return false;
      for (const cap of caps) {
        if (!isWord(cap)) return false;
        this.caps.push(cap);
      }
    } else if (op === Op.Write || op === Op.SendBytes || op === Op.NbSendBytes || op === Op.SendRecvBytes) {
      const bytes = bytesOf(fields.bytes);
      if (bytes === null || bytes.length > MAX_WIRE_BYTES) return false;
      this.data = bytes;
    } else if (op === Op.Print) {
      if (typeof fields.text !== 'string' || fields.text.length > MAX_PRINT_BYTES) return false;
      this.data = encode(fields.text);
      if (this.data.length > MAX_PRINT_BYTES) return false;
    }
    return true;
  }

  /** One argument's words; false when it is not of its kind's plain form. */
  private argument(kind: WordKind, value: unknown): boolean {
    if (kind === 'u32') {
      if (!isU32(value)) return false;
      this.words.push(value);
    } else if (kind === 'bool') {
      if (typeof value !== 'boolean') return false;
      this.words.push(value ? 1 : 0);
    } else if (isWord(value)) {
      this.words.push(value, 0);
    } else {
      // A slot of a named CSpace: own fields only, as a tagged frame sends them.
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
      if (!Object.hasOwn(value, 'cspace') || !Object.hasOwn(value, 'slot')) return false;
      const { cspace, slot } = value as { cspace: unknown; slot: unknown };
      if (!isWord(cspace) || !isWord(slot)) return false;
      this.words.push(cspace, slot + 1);
    }
    return true;
  }

  /** Bytes of the request frame these arguments make. */
  frameBytes(): number {
    return REQUEST_FIXED + 4 * (this.words.length + this.caps.length + this.slots.length) + this.data.length;
  }

  /** Writes the frame at byte `at` (a multiple of 4) of `words` / `bytes` (two views of one buffer). */
  write(words: Uint32Array, bytes: Uint8Array, at: number, tid: number, seq: number, op: number, cap: number): void {
    let w = at >>> 2;
    words[w++] = tid;
    words[w++] = seq;
    words[w++] = (REQUEST_REGS | (op << 8) | (this.caps.length << 16) | (this.slots.length << 20) | (this.present << 24)) >>> 0;
    words[w++] = cap;
    words[w++] = this.label;
    words[w++] = this.data.length;
    for (const a of this.words) words[w++] = a;
    for (const c of this.caps) words[w++] = c;
    for (const s of this.slots) words[w++] = s;
    bytes.set(this.data, w << 2);
  }
}

/** A cap a register frame moves, as the kernel's transfer decoding takes it. */
interface MoveEntry {
  cap: number;
  move: true;
}

export const textDecoder = new TextDecoder();

/**
 * The request a register frame decodes to: the shape of a tagged request
 * (op, cap, msg, slots and the op's argument fields, absent ones undefined),
 * reused for the next frame of its channel unless the kernel kept it (the
 * call blocked), when it is detached: its data copied out of the ring and a
 * new record made for the next frame.
 */
export class RegsRequest {
  [field: string]: unknown;
  op = 0;
  cap = 0;
  readonly msg: { label: number; data: Uint8Array; caps: Array<number | MoveEntry> } = { label: 0, data: EMPTY, caps: [] };
  readonly slots: number[] = [];
  /** The data is a window on the ring, valid only while its frame is read. */
  private windowed = false;
  /** Some argument field is set (from an earlier frame, until cleared). */
  private fieldsSet = false;
  kept = false;

  constructor() {
    for (const name of ARG_FIELDS) this[name] = undefined;
  }

  /** The kernel keeps this request past its frame: own the data. */
  keep(): void {
    this.kept = true;
    if (this.windowed) {
      this.msg.data = this.msg.data.slice();
      if (this.bytes instanceof Uint8Array) this.bytes = this.bytes.slice();
    }
    this.windowed = false;
  }

  /** Reads the frame at `at` (its payload, `length` bytes); false when it is malformed. */
  read(words: Uint32Array, bytes: Uint8Array, at: number, length: number): boolean {
    let w = (at >>> 2) + 2;
    const head = words[w++];
    const op = (head >>> 8) & 0xff;
    const list = (head >>> 16) & 0xf;
    const slots = (head >>> 20) & 0xf;
    const present = head >>> 24;
    const layout = layouts[op];
    const dataLength = words[w + 2];
    if (length < REQUEST_FIXED || REQUEST_FIXED + 4 * (layoutWords[op] + list + slots) + dataLength > length) return false;
    if (present >>> layout.length !== 0) return false;
    this.op = op;
    this.cap = words[w++];
    const msg = this.msg;
    msg.label = words[w++];
    w++;
    if (this.fieldsSet) {
      for (const name of ARG_FIELDS) this[name] = undefined;
      this.fieldsSet = false;
    }
    for (let i = 0; i < layout.length; i++) {
      const kind = layout[i][1];
      const a = words[w++];
      const b = kind === 'dest' ? words[w++] : 0;
      if ((present & (1 << i)) === 0) continue;
      let value: unknown = a;
      if (kind === 'bool') {
        if (a > 1) return false;
        value = a === 1;
      } else if (kind === 'dest' && b !== 0) value = { cspace: a, slot: b - 1 };
      this[layout[i][0]] = value;
      this.fieldsSet = true;
    }
    msg.caps.length = 0;
    if (op === Op.Destroy) {
      const caps: number[] = [];
      for (let i = 0; i < list; i++) caps.push(words[w++]);
      this.caps = caps;
      this.fieldsSet = true;
    } else {
      for (let i = 0; i < list; i++) {
        const word = words[w++];
        msg.caps.push(word >= MOVE ? { cap: word - MOVE, move: true } : word);
      }
    }
    this.slots.length = 0;
    for (let i = 0; i < slots; i++) this.slots.push(words[w++]);
    const start = w << 2;
    const data = dataLength === 0 ? EMPTY : bytes.subarray(start, start + dataLength);
    this.windowed = dataLength > 0;
    msg.data = EMPTY;
    if (op === Op.Write || op === Op.SendBytes || op === Op.NbSendBytes || op === Op.SendRecvBytes) {
      this.bytes = data;
      this.fieldsSet = true;
    } else if (op === Op.Print) {
      this.text = textDecoder.decode(data.slice());
      this.windowed = false;
      this.fieldsSet = true;
    } else msg.data = data;
    return true;
  }
}
