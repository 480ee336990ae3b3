// References and the one place where "last reference gone" runs (docs/semantics.md §3
// and §4). An object's count lives in the refcount list of the area it came
// from, as (references - 1) in one byte, and changes through Atomics. It
// counts the capabilities naming the object plus its kernel bindings.
//
// Destruction runs from a work list, never by recursion: destroying an object
// can drop the last reference of others (a CSpace's contents, a Task's
// bindings) or force their destruction (everything allocated from a Memory
// area), and those are queued, so any depth of nesting uses bounded stack.

import { MAX_MEMORY_PAGES, MAX_REFERENCES, ObjectType, PAGE_SIZE, SLOT_BYTES } from '../abi.ts';
import { assert, bug } from './assert.ts';
import type { Areas } from './area.ts';
import { Life, NO_AREA, type ObjectTable } from './objects.ts';
import type { PhysicalMemory } from './physical.ts';
import { type Devices, type Slots, isDevice } from './slots.ts';
import { TaskState, Tcb, tcbWord } from './tcb.ts';

/** The object page in a binding word (mapping entries carry flags above it). */
export const OBJECT_MASK = 0x000fffff;
// Stryker disable next-line all: checked once at module load; were it false, importing the kernel would throw
assert(MAX_MEMORY_PAGES - 1 <= OBJECT_MASK, `a binding word's object field (mask 0x${OBJECT_MASK.toString(16)}) cannot name every page of ${MAX_MEMORY_PAGES}`);

/** The most objects the cycle check examines before it assumes reachability. */
const GROUP_LIMIT = 512;
const WORDS_PER_PAGE = PAGE_SIZE / 4;
const SLOTS_PER_PAGE = PAGE_SIZE / SLOT_BYTES;

function isRunning(state: number): boolean {
  return state === TaskState.Ready || state === TaskState.Blocked || state === TaskState.Suspended;
}

/** What an object type does when it dies, besides losing its pages. */
export type Teardown = (object: number) => void;

export class Lifetime {
  /** Per object type, the work its death implies (drop what it holds). */
  // Stryker disable next-line ArrayDeclaration: index 0 is the Null type, which no reaped object has
  readonly teardown: Array<Teardown | undefined> = [];
  private readonly work: number[] = [];
  private reaping = false;
  /** Holders that lost a reference but live on: candidates for collect(). */
  // Stryker disable next-line ArrayDeclaration: a stray entry is not a live page, so collect() skips it
  private readonly suspects: number[] = [];
  private collecting = false;
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
    if (biased === 0) {
      this.destroy(object);
      return;
    }
    Atomics.store(this.bytes, at, biased - 1);
    this.suspect(type, object);
  }

  /**
   * A reference to `object` went away or moved: if it is a holder (a CSpace
   * or Task) it may now be reachable only from itself. See collect().
   */
  suspect(type: number, object: number): void {
    if (type !== ObjectType.CSpace && type !== ObjectType.Task) return;
    this.suspects.push(object);
    // Stryker disable next-line ConditionalExpression: a check made mid-reap keeps at worst what a dying holder still names, and reaping that holder suspects it again
    if (!this.reaping) this.collect();
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
    const object = this.words[word] & OBJECT_MASK;
    if (object === 0) return;
    this.words[word] = 0;
    this.dropBinding(object, word);
  }

  /** Forgets that the field at `word` bound `object` and drops that reference. */
  dropBinding(object: number, word: number): void {
    const list = this.objects.binders.get(object);
    if (list) {
      const at = list.indexOf(word);
      // Stryker disable next-line ConditionalExpression: bind() recorded the word, and only this or the object's death removes it
      if (at >= 0) list.splice(at, 1);
      // Stryker disable next-line ConditionalExpression: an empty list reads as no list, and the entry goes when the object does
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
    this.collect();
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
    // Pages go back to the area while its metadata exists: it may itself be
    // queued to die, but until it is reaped its bitmap must stay exact.
    const area = this.objects.area[object];
    // Stryker disable next-line ConditionalExpression: only the root Memory has no area, and nothing names it, so it is never reaped
    if (area !== NO_AREA && this.objects.life[area] !== Life.None) {
      this.areas.give(area, object, this.objects.pages[object]);
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: memory only; writing a new area at this page replaces its summary
    if (type === ObjectType.Memory) this.areas.forget(object);
    this.objects.remove(object);
  }

  /**
   * Reference cycles. A CSpace that holds a capability to itself (init's
   * slot 0 does), or a Task and the CSpace it is bound to that name each
   * other, never reach a count of zero. For each suspect, walk backwards over
   * who references it (the CSpaces holding its caps, the objects holding its
   * bindings), transitively; if that closed group contains no running task,
   * nothing that runs can ever reach any of it again, so the group is
   * destroyed. The walk gives up (keeping everything) past GROUP_LIMIT objects.
   */
  private collect(): void {
    if (this.collecting) return;
    this.collecting = true;
    try {
      while (this.suspects.length > 0) {
        const suspect = this.suspects.pop() as number;
        // Stryker disable next-line ConditionalExpression: fast path; a dead suspect has no holders, so its group is itself and destroy() ignores it
        if (this.objects.life[suspect] !== Life.Live) continue;
        const group = this.unreachableGroup(suspect);
        if (group !== null) for (const member of group) this.destroy(member);
      }
    } finally {
      this.collecting = false;
    }
  }

  private unreachableGroup(start: number): number[] | null {
    const group = [start];
    const seen = new Set(group);
    const visit = (holder: number): boolean => {
      if (seen.has(holder)) return true;
      if (seen.size >= GROUP_LIMIT) return false;
      seen.add(holder);
      group.push(holder);
      return true;
    };
    for (let i = 0; i < group.length; i++) {
      const object = group[i];
      const type = this.objects.kind[object];
      if (type === ObjectType.Task && isRunning(this.words[tcbWord(object, Tcb.State)])) return null;
      for (let s = this.slots.head(type, object); s !== 0; s = this.slots.link(s)) {
        if (!visit(this.cspaceHolding(s))) return null;
      }
      for (const word of this.objects.binders.get(object) ?? []) {
        if (!visit(Math.floor(word / WORDS_PER_PAGE))) return null;
      }
    }
    return group;
  }

  /**
   * First page of the CSpace that contains slot index `s`: the table enters
   * only an object's first page, so the pages between are its own, not live.
   */
  private cspaceHolding(s: number): number {
    let page = Math.floor(s / SLOTS_PER_PAGE);
    while (this.objects.life[page] === Life.None) page--;
    return page;
  }

  /** Byte address of the refcount of the object whose first page is `object`. */
  refByte(object: number): number {
    const area = this.objects.area[object];
    if (area === NO_AREA) bug(`object at page ${object} has no area`);
    return this.areas.refByte(area, object);
  }
}
