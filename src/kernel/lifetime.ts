// References and the one place where "last reference gone" runs (kernel.md 3
// and 4). An object's count lives in the refcount list of the area it came
// from, as (references - 1) in one byte, and changes through Atomics. It
// counts the capabilities naming the object plus its kernel bindings.
//
// Destruction runs from a work list, never by recursion: destroying an object
// can drop the last reference of others (a CSpace's contents, a Task's
// bindings) or force their destruction (everything allocated from a Memory
// area), and those are queued, so any depth of nesting uses bounded stack.

import { MAX_REFERENCES } from './abi.ts';
import type { Areas } from './area.ts';
import { Life, NO_AREA, type ObjectTable } from './objects.ts';
import type { PhysicalMemory } from './physical.ts';
import { type Devices, type Slots, isDevice } from './slots.ts';

/** What an object type does when it dies, besides losing its pages. */
export type Teardown = (object: number) => void;

export class Lifetime {
  /** Per object type, the work its death implies (drop what it holds). */
  readonly teardown: Array<Teardown | undefined> = [];
  private readonly work: number[] = [];
  private reaping = false;
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;

  constructor(
    phys: PhysicalMemory,
    private readonly objects: ObjectTable,
    private readonly areas: Areas,
    private readonly slots: Slots,
    private readonly devices: Devices,
  ) {
    this.bytes = phys.bytes;
    this.words = phys.words;
  }

  /** The reference count of a live object (1..256 for memory objects). */
  refs(type: number, object: number): number {
    if (isDevice(type)) return this.devices.refs[object];
    return Atomics.load(this.bytes, this.refByte(object)) + 1;
  }

  /** Whether `n` more references fit under the limit of 256. */
  hasRoom(type: number, object: number, n = 1): boolean {
    return this.refs(type, object) + n <= MAX_REFERENCES;
  }

  /** Adds references; the caller has checked hasRoom (decode before perform). */
  retain(type: number, object: number, n = 1): void {
    if (isDevice(type)) {
      this.devices.refs[object] += n;
      return;
    }
    Atomics.add(this.bytes, this.refByte(object), n);
  }

  /** Drops one reference; the last one destroys the object. */
  release(type: number, object: number): void {
    if (isDevice(type)) {
      this.devices.refs[object] -= 1;
      return;
    }
    if (this.objects.life[object] !== Life.Live) return; // already being destroyed
    const at = this.refByte(object);
    const biased = Atomics.load(this.bytes, at);
    if (biased > 0) {
      Atomics.store(this.bytes, at, biased - 1);
      return;
    }
    this.destroy(object);
  }

  /** A kernel binding: the field at word index `word` names `object`. */
  bind(type: number, object: number, word: number): void {
    this.retain(type, object);
    this.words[word] = object;
    const list = this.objects.binders.get(object);
    if (list) list.push(word);
    else this.objects.binders.set(object, [word]);
  }

  /** Cuts the binding held in the field at word index `word`, dropping its reference. */
  unbind(word: number): void {
    const object = this.words[word];
    if (object === 0) return;
    this.words[word] = 0;
    this.dropBinding(object, word);
  }

  /** Forgets that the field at `word` bound `object` and drops that reference. */
  dropBinding(object: number, word: number): void {
    const list = this.objects.binders.get(object);
    if (list) {
      const at = list.indexOf(word);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.objects.binders.delete(object);
    }
    this.release(this.objects.kind[object], object);
  }

  /**
   * Destroys an object now, whatever its count: every capability naming it
   * becomes Null, every binding to it is cut, and what it holds is dropped.
   */
  destroy(object: number): void {
    if (this.objects.life[object] !== Life.Live) return;
    this.objects.life[object] = Life.Dying;
    this.work.push(object);
    if (this.reaping) return;
    this.reaping = true;
    try {
      while (this.work.length > 0) this.reap(this.work.pop() as number);
    } finally {
      this.reaping = false;
    }
  }

  /** Queues an object that is part of a larger destruction (no effect if queued already). */
  doom(object: number): void {
    if (this.objects.life[object] !== Life.Live) return;
    this.objects.life[object] = Life.Dying;
    this.work.push(object);
  }

  private reap(object: number): void {
    const type = this.objects.kind[object];
    for (let s = this.slots.head(type, object); s !== 0; s = this.slots.head(type, object)) {
      this.slots.clear(s);
    }
    const binders = this.objects.binders.get(object);
    if (binders) {
      for (const word of binders) this.words[word] = 0;
      this.objects.binders.delete(object);
    }
    this.teardown[type]?.(object);
    const area = this.objects.area[object];
    if (area !== NO_AREA && this.objects.life[area] === Life.Live) {
      this.areas.give(area, object, this.objects.pages[object]);
    }
    this.objects.remove(object);
  }

  /** Byte address of the refcount of the object whose first page is `object`. */
  refByte(object: number): number {
    const area = this.objects.area[object];
    if (area === NO_AREA) throw new Error(`kernel bug: object at page ${object} has no area`);
    return this.areas.refByte(area, object);
  }
}
