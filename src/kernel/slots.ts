// CSpace slot records in physical memory (docs/semantics.md §5). A slot is 16 bytes:
//
//   byte 0  type (u8)     byte 1  rights (u8)    bytes 2-3  flags (u16)
//   bytes 4-7   object: first physical page (device number for devices)
//   bytes 8-11  badge
//   bytes 12-15 reserved word, used by the kernel as the link of the list of
//               slots naming the same object (next slot index, 0 = end)
//
// A slot is named globally by its slot index: its byte address / 16. Slot
// index 0 lies in the root area's header and never holds a capability, so 0
// can mean "no slot". The list of slots naming an object is how the kernel
// finds every capability to an object it destroys (the revoke of docs/semantics.md §3.5)
// without scanning every CSpace; an object has at most 256 references, so
// walking its list is bounded.

import { ObjectType, SLOT_BYTES } from '../abi.ts';
import { assert, bug } from './assert.ts';
import type { ObjectTable } from './objects.ts';
import type { PhysicalMemory } from './physical.ts';

const WORDS_PER_SLOT = SLOT_BYTES >>> 2;
// A slot record is type, rights and two spare bytes, then object, badge and link words.
// Stryker disable next-line all: checked once at module load; were it false, importing the kernel would throw
assert(SLOT_BYTES % 4 === 0 && WORDS_PER_SLOT >= 4, `a slot record of ${SLOT_BYTES} bytes cannot hold its four words`);

/** Objects that occupy no pages and are named by a small device number. */
export function isDevice(type: number): boolean {
  return type === ObjectType.Console || type === ObjectType.Net;
}

export class Devices {
  /** References per device (not biased: 0 means none). */
  readonly refs = new Uint16Array(4);
  readonly capHead = new Uint32Array(4);
}

export class Slots {
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;

  constructor(
    phys: PhysicalMemory,
    private readonly objects: ObjectTable,
    private readonly devices: Devices,
  ) {
    this.bytes = phys.bytes;
    this.words = phys.words;
  }

  /** Slot index of slot `i` of the CSpace whose first page is `cspace`. */
  static index(cspace: number, i: number): number {
    return cspace * 256 + i;
  }

  type(s: number): number {
    return this.bytes[s * SLOT_BYTES];
  }
  rights(s: number): number {
    return this.bytes[(s * SLOT_BYTES) + 1];
  }
  flags(s: number): number {
    return this.bytes[(s * SLOT_BYTES) + 2] | (this.bytes[(s * SLOT_BYTES) + 3] << 8);
  }
  object(s: number): number {
    return this.words[s * WORDS_PER_SLOT + 1];
  }
  badge(s: number): number {
    return this.words[s * WORDS_PER_SLOT + 2];
  }
  link(s: number): number {
    return this.words[s * WORDS_PER_SLOT + 3];
  }

  /** Writes a capability into an empty slot and enters it in its object's list. */
  fill(s: number, type: number, rights: number, object: number, badge: number): void {
    const b = s * SLOT_BYTES;
    if (this.bytes[b] !== ObjectType.Null) bug(`fill of slot ${s}, which holds a cap of type ${this.bytes[b]}`);
    this.bytes[b] = type;
    this.bytes[b + 1] = rights;
    this.bytes[b + 2] = 0;
    this.bytes[b + 3] = 0;
    const w = s * WORDS_PER_SLOT;
    this.words[w + 1] = object;
    this.words[w + 2] = badge >>> 0;
    if (type === ObjectType.Reply) {
      // A Reply cap counts no reference: it is one-shot and never copied.
      this.words[w + 3] = 0;
      return;
    }
    const heads = this.heads(type);
    this.words[w + 3] = heads[object];
    heads[object] = s;
  }

  /** Empties a slot, taking it out of its object's list. Returns nothing of the object. */
  clear(s: number): void {
    const type = this.type(s);
    if (type === ObjectType.Null) return;
    if (type !== ObjectType.Reply) this.unlink(s, type, this.object(s));
    const w = s * WORDS_PER_SLOT;
    this.words[w] = 0;
    this.words[w + 1] = 0;
    this.words[w + 2] = 0;
    this.words[w + 3] = 0;
  }

  /** Moves the capability in `from` to the empty slot `to`; `from` becomes Null. */
  move(to: number, from: number): void {
    const type = this.type(from);
    const rights = this.rights(from);
    const object = this.object(from);
    const badge = this.badge(from);
    this.clear(from);
    this.fill(to, type, rights, object, badge);
  }

  /** Slots naming an object, in list order. */
  namers(type: number, object: number): number[] {
    const out: number[] = [];
    for (let s = this.heads(type)[object]; s !== 0; s = this.link(s)) out.push(s);
    return out;
  }

  /** Head of the list of slots naming an object (0 = none). */
  head(type: number, object: number): number {
    return this.heads(type)[object];
  }

  private heads(type: number): Uint32Array {
    return isDevice(type) ? this.devices.capHead : this.objects.capHead;
  }

  private unlink(s: number, type: number, object: number): void {
    const heads = this.heads(type);
    let cur = heads[object];
    if (cur === s) {
      heads[object] = this.link(s);
      return;
    }
    while (cur !== 0) {
      const next = this.link(cur);
      if (next === s) {
        this.words[cur * WORDS_PER_SLOT + 3] = this.link(s);
        return;
      }
      cur = next;
    }
    bug(`slot ${s} is missing from the list of object ${object}`);
  }
}
