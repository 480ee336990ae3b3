// Register frames: the fixed word layout of the system calls a steady-state
// program makes most (identify, freePages, the Endpoint calls, the
// Notification calls, yield) and of the message an Endpoint call receives.
// The task side writes these words straight into its request ring; the
// kernel reads them into one request record per channel, reused from call
// to call, and answers a received message the same way. Every other call,
// and any call whose arguments are not plain words (a cap that is not a
// small integer, a label out of range, too many caps or slots, data too
// long), goes as a tagged frame (codec.ts), so the kernel still sees a
// malformed argument as it was and answers it as docs/semantics.md §12 says.
//
// Request, after the frame's tid and seq words (all words little-endian u32):
//
//   word 2  0xF0 | op << 8 | caps << 16 | slots << 24
//   word 3  cap (the invoked caddr; 0 when the op has none)
//   word 4  message label
//   word 5  message data length in bytes
//   then    one word per attached cap (bit 31 set: move it), one word per
//           landing slot, then the data bytes
//
// Received message, after the response's tid, seq and status words:
//
//   word 3  0xF1 | caps << 8
//   word 4  label, word 5 badge, word 6 data length
//   then    one word per landing slot that received a cap, then the data
//
// A kernel reading a register frame trusts none of it: counts past what the
// frame holds make the request malformed (EINVAL), and every word goes
// through the same checks as a tagged request's values.

import { MSG_MAX_BYTES, MSG_MAX_CAPS } from '../kernel/abi.ts';

/** Byte 8 of a request frame (the tag of a tagged request) marking register words. */
export const REQUEST_REGS = 0xf0;
/** Byte 12 of a response frame (the tag of a tagged value) marking a received message. */
export const RECEIVED_REGS = 0xf1;
const MOVE = 0x80000000;
/** Bytes of a request's fixed words (tid, seq, header, cap, label, length). */
const REQUEST_FIXED = 24;
/** Bytes of a received message's fixed words (tid, seq, status, header, label, badge, length). */
const RECEIVED_FIXED = 28;
const EMPTY = new Uint8Array(0);

/** A caddr that fits a word with bit 31 free (the move bit of an attached cap). */
export function isWord(value: unknown): value is number {
  return typeof value === 'number' && (value & 0x7fffffff) === value;
}

/** The words of an attached cap (bit 31: move), or -1 when it is not plain. */
function capWord(entry: unknown): number {
  if (isWord(entry)) return entry;
  if (typeof entry !== 'object' || entry === null) return -1;
  const { cap, move } = entry as { cap?: unknown; move?: unknown };
  if (!isWord(cap) || (move !== undefined && typeof move !== 'boolean')) return -1;
  return move === true ? (cap | MOVE) >>> 0 : cap;
}

/**
 * A call's arguments as register words, checked for form only (the kernel
 * checks their meaning). Filled by `take`, which returns false when some
 * argument must go as a tagged frame instead.
 */
export class RequestArgs {
  label = 0;
  data: Uint8Array = EMPTY;
  readonly caps: number[] = [];
  readonly slots: number[] = [];

  /** Takes a message (undefined, or an object with label, data and caps) and landing slots. */
  take(msg: unknown, slots: unknown, encode: (text: string) => Uint8Array): boolean {
    this.caps.length = 0;
    this.slots.length = 0;
    this.label = 0;
    this.data = EMPTY;
    if (msg !== undefined) {
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return false;
      const { label, data, caps } = msg as { label?: unknown; data?: unknown; caps?: unknown };
      if (label !== undefined) {
        if (!isU32(label)) return false;
        this.label = label;
      }
      if (typeof data === 'string') this.data = encode(data);
      else if (data instanceof Uint8Array) this.data = data;
      else if (ArrayBuffer.isView(data)) this.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      else if (data !== undefined) return false;
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

  /** Bytes of the request frame these arguments make. */
  frameBytes(): number {
    return REQUEST_FIXED + 4 * (this.caps.length + this.slots.length) + this.data.length;
  }

  /** Writes the frame at byte `at` (a multiple of 4) of `words` / `bytes` (two views of one buffer). */
  write(words: Uint32Array, bytes: Uint8Array, at: number, tid: number, seq: number, op: number, cap: number): void {
    let w = at >>> 2;
    words[w++] = tid;
    words[w++] = seq;
    words[w++] = REQUEST_REGS | (op << 8) | (this.caps.length << 16) | (this.slots.length << 24);
    words[w++] = cap;
    words[w++] = this.label;
    words[w++] = this.data.length;
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

/**
 * The request a register frame decodes to: the shape of a tagged request
 * (op, cap, msg, slots), reused for the next frame of its channel unless the
 * kernel kept it (the call blocked), when it is detached: its data copied out
 * of the ring and a new record made for the next frame.
 */
export class RegsRequest {
  op = 0;
  cap = 0;
  readonly msg: { label: number; data: Uint8Array; caps: Array<number | MoveEntry> } = { label: 0, data: EMPTY, caps: [] };
  readonly slots: number[] = [];
  /** The data is a window on the ring, valid only while its frame is read. */
  private windowed = false;
  kept = false;

  /** The kernel keeps this request past its frame: own the data. */
  keep(): void {
    this.kept = true;
    if (this.windowed) this.msg.data = this.msg.data.slice();
    this.windowed = false;
  }

  /** Reads the frame at `at` (its payload, `length` bytes); false when it is malformed. */
  read(words: Uint32Array, bytes: Uint8Array, at: number, length: number): boolean {
    let w = (at >>> 2) + 2;
    const head = words[w++];
    const caps = (head >>> 16) & 0xff;
    const slots = head >>> 24;
    const dataLength = words[w + 2];
    if (length < REQUEST_FIXED || REQUEST_FIXED + 4 * (caps + slots) + dataLength > length) return false;
    this.op = (head >>> 8) & 0xff;
    this.cap = words[w++];
    const msg = this.msg;
    msg.label = words[w++];
    w++;
    msg.caps.length = 0;
    for (let i = 0; i < caps; i++) {
      const word = words[w++];
      msg.caps.push(word >= MOVE ? { cap: word - MOVE, move: true } : word);
    }
    this.slots.length = 0;
    for (let i = 0; i < slots; i++) this.slots.push(words[w++]);
    const start = w << 2;
    msg.data = dataLength === 0 ? EMPTY : bytes.subarray(start, start + dataLength);
    this.windowed = dataLength > 0;
    return true;
  }
}

/** A message as a recv, call or replyRecv answers it. */
export interface ReceivedValue {
  label: number;
  data: Uint8Array;
  caps: number[];
  badge: number;
}

/** Whether an answer's value is a received message, which goes as register words. */
export function isReceived(value: unknown): value is ReceivedValue {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ReceivedValue>;
  if (!isU32(v.label) || !isU32(v.badge) || !(v.data instanceof Uint8Array) || !Array.isArray(v.caps) || v.caps.length > MSG_MAX_CAPS) return false;
  for (const c of v.caps) if (!isU32(c)) return false;
  return true;
}

function isU32(value: unknown): value is number {
  return typeof value === 'number' && value >>> 0 === value;
}

/** Bytes of the response frame of a received message. */
export function receivedBytes(value: ReceivedValue): number {
  return RECEIVED_FIXED + 4 * value.caps.length + value.data.length;
}

/** Writes a received message's response frame at byte `at` (a multiple of 4). */
export function writeReceived(words: Uint32Array, bytes: Uint8Array, at: number, tid: number, seq: number, value: ReceivedValue): void {
  let w = at >>> 2;
  words[w++] = tid;
  words[w++] = seq;
  words[w++] = 0; // status: success
  words[w++] = RECEIVED_REGS | (value.caps.length << 8);
  words[w++] = value.label;
  words[w++] = value.badge;
  words[w++] = value.data.length;
  for (const c of value.caps) words[w++] = c;
  bytes.set(value.data, w << 2);
}

/** Reads a received message from its response frame at `at` (the data copied out of the ring). */
export function readReceived(words: Uint32Array, bytes: Uint8Array, at: number): ReceivedValue {
  let w = (at >>> 2) + 3;
  const caps = (words[w++] >>> 8) & 0xff;
  const label = words[w++];
  const badge = words[w++];
  const length = words[w++];
  const landed: number[] = [];
  for (let i = 0; i < caps; i++) landed.push(words[w++]);
  const start = w << 2;
  return { label, data: bytes.slice(start, start + length), caps: landed, badge };
}
