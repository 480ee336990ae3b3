// Answers as register words: what the kernel answers a successful call
// with, written straight into the response ring, and read back by the task
// thread. A received message has its own layout; every other answer is one
// of a few forms. After the response's tid, seq and status (0) words:
//
//   word 3  0xF1 | caps << 8: a received message (recv, call, replyRecv):
//           label, badge, data length, one word per landing slot that
//           received a cap, then the data
//   word 3  0xF2 | form << 8: every other answer, by form:
//           Nothing:  no more words
//           Word:     the number
//           Identity: type, rights, badge, a bit per field present (phys,
//                     pages, refs, radix, state), those four words, the
//                     state's length, then the state name in UTF-8
//           Window:   phys, length (view)
//           Bytes:    length, then the bytes (read)
//
// An answer of no such form (a number that is not a u32, say) goes tagged.

import { MSG_MAX_CAPS } from '../abi.ts';
import { EMPTY, isU32, textDecoder } from './regs.ts';

/** Byte 12 of a response frame (the tag of a tagged value) marking a received message. */
export const RECEIVED_REGS = 0xf1;
/** Byte 12 of a response frame marking an answer of one of the forms below. */
export const ANSWER_REGS = 0xf2;

const Form = { Nothing: 0, Word: 1, Identity: 2, Window: 3, Bytes: 4 } as const;
/** Bytes of a received message's fixed words (tid, seq, status, header, label, badge, length). */
const RECEIVED_FIXED = 28;
/** Bytes of an answer's fixed words (tid, seq, status, header). */
const ANSWER_FIXED = 16;
const IDENTITY_FIELDS = ['phys', 'pages', 'refs', 'radix'] as const;
const STATE = 1 << IDENTITY_FIELDS.length;
const textEncoder = new TextEncoder();

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

/**
 * An answer other than a received message, sized and ready to write as
 * words; one per writer, reused. `take` says whether a value has a form.
 */
export class Answer {
  private form: number = Form.Nothing;
  private value: unknown;
  /** An identity's present bits and its state name's bytes. */
  private mask = 0;
  private state: Uint8Array = EMPTY;

  /** Takes the value a call succeeded with; false when it has no register form. */
  take(value: unknown): boolean {
    this.value = value;
    if (value === undefined) this.form = Form.Nothing;
    else if (isU32(value)) this.form = Form.Word;
    else if (value instanceof Uint8Array) this.form = Form.Bytes;
    else if (typeof value !== 'object' || value === null) return false;
    else if ('type' in value) return this.identity(value as Record<string, unknown>);
    else if (isWindow(value)) this.form = Form.Window;
    else return false;
    return true;
  }

  private identity(v: Record<string, unknown>): boolean {
    if (!isU32(v.type) || !isU32(v.rights) || !isU32(v.badge)) return false;
    let mask = 0;
    let fields = 3;
    for (let i = 0; i < IDENTITY_FIELDS.length; i++) {
      const field = v[IDENTITY_FIELDS[i]];
      if (field === undefined) continue;
      if (!isU32(field)) return false;
      mask |= 1 << i;
      fields++;
    }
    this.state = EMPTY;
    if (v.state !== undefined) {
      if (typeof v.state !== 'string') return false;
      this.state = textEncoder.encode(v.state);
      mask |= STATE;
      fields++;
    }
    // Only the fields an Identity has: anything more goes tagged, whole.
    if (ownKeys(v) !== fields) return false;
    this.mask = mask;
    this.form = Form.Identity;
    return true;
  }

  /** Bytes of the response frame. */
  frameBytes(): number {
    switch (this.form) {
      case Form.Word:
        return ANSWER_FIXED + 4;
      case Form.Identity:
        return ANSWER_FIXED + 4 * (4 + IDENTITY_FIELDS.length + 1) + this.state.length;
      case Form.Window:
        return ANSWER_FIXED + 8;
      case Form.Bytes:
        return ANSWER_FIXED + 4 + (this.value as Uint8Array).length;
      default:
        return ANSWER_FIXED;
    }
  }

  /** Writes the response frame at byte `at` (a multiple of 4). */
  write(words: Uint32Array, bytes: Uint8Array, at: number, tid: number, seq: number): void {
    let w = at >>> 2;
    words[w++] = tid;
    words[w++] = seq;
    words[w++] = 0; // status: success
    words[w++] = ANSWER_REGS | (this.form << 8);
    const v = this.value;
    if (this.form === Form.Word) words[w] = v as number;
    else if (this.form === Form.Window) {
      const { phys, length } = v as { phys: number; length: number };
      words[w++] = phys;
      words[w] = length;
    } else if (this.form === Form.Bytes) {
      const data = v as Uint8Array;
      words[w++] = data.length;
      bytes.set(data, w << 2);
    } else if (this.form === Form.Identity) {
      const identity = v as Record<string, number>;
      words[w++] = identity.type;
      words[w++] = identity.rights;
      words[w++] = identity.badge;
      words[w++] = this.mask;
      for (const field of IDENTITY_FIELDS) words[w++] = identity[field] ?? 0;
      words[w++] = this.state.length;
      bytes.set(this.state, w << 2);
    }
    this.value = undefined;
  }
}

/** How many own enumerable keys `value` has, without making their list (every identify answer asks). */
function ownKeys(value: object): number {
  let n = 0;
  for (const key in value) if (Object.hasOwn(value, key)) n++;
  return n;
}

function isWindow(value: object): value is { phys: number; length: number } {
  const { phys, length } = value as { phys?: unknown; length?: unknown };
  return isU32(phys) && isU32(length) && ownKeys(value) === 2;
}

/** Reads an answer from its response frame at `at` (bytes copied out of the ring). */
export function readAnswer(words: Uint32Array, bytes: Uint8Array, at: number): unknown {
  let w = (at >>> 2) + 3;
  const form = (words[w++] >>> 8) & 0xff;
  switch (form) {
    case Form.Word:
      return words[w];
    case Form.Window:
      return { phys: words[w], length: words[w + 1] };
    case Form.Bytes: {
      const start = (w + 1) << 2;
      return bytes.slice(start, start + words[w]);
    }
    case Form.Identity: {
      const identity: Record<string, unknown> = { type: words[w], rights: words[w + 1], badge: words[w + 2] };
      const mask = words[w + 3];
      w += 4;
      for (let i = 0; i < IDENTITY_FIELDS.length; i++, w++) if ((mask & (1 << i)) !== 0) identity[IDENTITY_FIELDS[i]] = words[w];
      const length = words[w++];
      if ((mask & STATE) !== 0) identity.state = textDecoder.decode(bytes.slice(w << 2, (w << 2) + length));
      return identity;
    }
    default:
      return undefined;
  }
}
