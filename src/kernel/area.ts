// Memory areas as they lie in physical memory (docs/semantics.md §3). An area of N
// pages keeps its own metadata in its first pages:
//
//   byte 0      64-byte header (words below)
//   byte 64     allocation bitmap, one bit per page, page i = byte i>>3, bit i&7
//   byte 64+B   refcount list, one byte per page, B = ceil(N/8)
//
// The byte of an object's first page holds (references - 1). Placement is a
// bump pointer while nothing has been freed, then first fit, scanning the
// bitmap a 32-bit word at a time from a hint below which every page is taken.

import { AREA_HEADER_BYTES, memoryOverheadPages, physOf } from '../abi.ts';
import { assert, bug } from './assert.ts';
import { PhysicalMemory } from './physical.ts';

export const AREA_MAGIC = 0x4d454d41; // 'AMEM' read as little-endian bytes

/** Word offsets of the header fields from the area's first word. */
export const Header = {
  Magic: 0,
  Pages: 1,
  Free: 2,
  /** Next bump position (page index within the area) while fresh. */
  Watermark: 3,
  Flags: 4,
  Overhead: 5,
  /** Objects currently allocated from the area. */
  Live: 6,
  /** First page of the parent area, or NO_AREA for the root area. */
  Parent: 7,
  /** Every page below this index is allocated. */
  Hint: 8,
} as const;

export const AreaFlags = { Fragmented: 1 } as const;

const BITMAP_WORD_OFFSET = AREA_HEADER_BYTES >>> 2;
// Stryker disable next-line all: checked at load; a mutant that fails it fails the import, which the vitest runner reports as a survivor (stryker-js#6150)
assert(Object.keys(Header).length <= BITMAP_WORD_OFFSET, `an area header of ${AREA_HEADER_BYTES} bytes cannot hold its ${Object.keys(Header).length} words`);

export class Areas {
  private readonly words: Uint32Array;
  private readonly bytes: Uint8Array;
  /**
   * A summary level per area, kept on the JavaScript side: bit k is set when
   * bitmap word k is full, so first fit skips 1024 taken pages per read.
   */
  private readonly full = new Map<number, Uint32Array>();

  constructor(private readonly phys: PhysicalMemory) {
    this.words = phys.words;
    this.bytes = phys.bytes;
  }

  /** Writes a fresh area of `pages` pages at page `base`: header, bitmap, refcounts. */
  init(base: number, pages: number, parent: number): void {
    const overhead = memoryOverheadPages(pages);
    this.phys.zeroPages(base, Math.min(overhead, pages));
    const h = PhysicalMemory.pageWord(base);
    const w = this.words;
    // Stryker disable next-line ArithmeticOperator: Header.Magic is 0
    w[h + Header.Magic] = AREA_MAGIC;
    w[h + Header.Pages] = pages;
    w[h + Header.Free] = Math.max(0, pages - overhead);
    w[h + Header.Watermark] = Math.min(overhead, pages);
    w[h + Header.Flags] = 0;
    w[h + Header.Overhead] = overhead;
    w[h + Header.Live] = 0;
    w[h + Header.Parent] = parent;
    w[h + Header.Hint] = Math.min(overhead, pages);
    // Stryker disable next-line ArithmeticOperator: a longer summary has only never-full words past the end
    this.full.set(base, new Uint32Array(Math.ceil(Math.ceil(pages / 32) / 32)));
    this.setBits(base, 0, Math.min(overhead, pages), true);
  }

  /** Drops the JavaScript-side state of an area that no longer exists. */
  // Stryker disable next-line BlockStatement: JavaScript memory only; init at the same page replaces the summary
  forget(base: number): void {
    this.full.delete(base);
  }

  field(base: number, field: number): number {
    return this.words[PhysicalMemory.pageWord(base) + field];
  }

  pagesOf(base: number): number {
    return this.field(base, Header.Pages);
  }
  freeOf(base: number): number {
    return this.field(base, Header.Free);
  }
  overheadOf(base: number): number {
    return this.field(base, Header.Overhead);
  }
  liveOf(base: number): number {
    return this.field(base, Header.Live);
  }
  isFragmented(base: number): boolean {
    return (this.field(base, Header.Flags) & AreaFlags.Fragmented) !== 0;
  }
  isArea(base: number): boolean {
    return this.field(base, Header.Magic) === AREA_MAGIC;
  }

  /** Byte address of the refcount byte of the object whose first page is `page`. */
  refByte(base: number, page: number): number {
    const pages = this.pagesOf(base);
    return physOf(base) + AREA_HEADER_BYTES + Math.ceil(pages / 8) + (page - base);
  }

  /** Whether page index `i` of the area is marked allocated. */
  isTaken(base: number, i: number): boolean {
    return (this.bytes[physOf(base) + AREA_HEADER_BYTES + (i >>> 3)] & (1 << (i & 7))) !== 0;
  }

  /**
   * Where `count` objects of `pages` pages each would go, as absolute first
   * pages in ascending order, or null when the area cannot hold them all.
   * Changes nothing: the caller commits each placement with take().
   */
  plan(base: number, pages: number, count: number): number[] | null {
    const n = this.pagesOf(base);
    // Stryker disable next-line ConditionalExpression,BlockStatement: fast path; in a fresh area first fit from the hint gives the same pages
    if (!this.isFragmented(base)) {
      const mark = this.field(base, Header.Watermark);
      if (mark + pages * count > n) return null;
      // Stryker disable next-line ArrayDeclaration: every element is written below
      const starts = new Array<number>(count);
      for (let k = 0; k < count; k++) starts[k] = base + mark + k * pages;
      return starts;
    }
    // First fit, repeated: each next object takes the lowest run that still
    // fits, which is the rest of the current run while it is long enough.
    const starts: number[] = [];
    let pos = this.field(base, Header.Hint);
    while (starts.length < count) {
      const free = this.nextClear(base, pos, n);
      if (free >= n) return null;
      // Look no further than the pages the remaining objects need, so no
      // more than those objects fit.
      const end = this.nextSet(base, free + 1, Math.min(n, free + pages * (count - starts.length)));
      const fits = Math.floor((end - free) / pages);
      for (let k = 0; k < fits; k++) starts.push(base + free + k * pages);
      pos = end;
    }
    return starts;
  }

  /** Marks `pages` pages from absolute page `start` allocated to one new object. */
  take(base: number, start: number, pages: number): void {
    const h = PhysicalMemory.pageWord(base);
    const w = this.words;
    const i = start - base;
    this.assertRun(base, i, pages, true);
    this.setBits(base, i, i + pages, true);
    w[h + Header.Free] -= pages;
    w[h + Header.Live] += 1;
    if ((w[h + Header.Flags] & AreaFlags.Fragmented) === 0) {
      w[h + Header.Watermark] = i + pages;
      w[h + Header.Hint] = i + pages;
    } else if (w[h + Header.Hint] === i) {
      // Stryker disable next-line ArithmeticOperator: with a wrong bound the scan still stops at the end, whose bit (past the last page) is always clear
      w[h + Header.Hint] = this.nextClear(base, i + pages, w[h + Header.Pages]);
    }
  }

  /** Returns an object's pages to the area; an area left empty is fresh again. */
  give(base: number, start: number, pages: number): void {
    const h = PhysicalMemory.pageWord(base);
    const w = this.words;
    const i = start - base;
    this.assertRun(base, i, pages, false);
    this.setBits(base, i, i + pages, false);
    this.bytes[this.refByte(base, start)] = 0;
    w[h + Header.Free] += pages;
    w[h + Header.Live] -= 1;
    if (w[h + Header.Live] === 0) {
      const overhead = w[h + Header.Overhead];
      w[h + Header.Flags] &= ~AreaFlags.Fragmented;
      w[h + Header.Watermark] = overhead;
      w[h + Header.Hint] = overhead;
    } else {
      w[h + Header.Flags] |= AreaFlags.Fragmented;
      // Stryker disable next-line EqualityOperator: the page at the hint is free, so a run given back never starts there
      if (i < w[h + Header.Hint]) w[h + Header.Hint] = i;
    }
  }

  /** Bitmap word `k` of the area with the bits past the end read as taken. */
  private bitmapWord(base: number, k: number, n: number): number {
    const word = this.words[PhysicalMemory.pageWord(base) + BITMAP_WORD_OFFSET + k];
    // Stryker disable next-line all: every caller clamps what it finds to n, so unmasked bits past n change no answer
    const tail = n - (k << 5);
    // Stryker disable next-line all: as above
    return tail >= 32 ? word : (word | (~0 << tail)) >>> 0;
  }

  /** Lowest page index >= from whose bit is clear, or n. */
  nextClear(base: number, from: number, n: number): number {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: early exit; the scan below clamps to n
    if (from >= n) return n;
    let k = from >>> 5;
    const inverted = ~this.bitmapWord(base, k, n) & (~0 << (from & 31));
    if (inverted !== 0) return Math.min(n, (k << 5) + lowestBit(inverted));
    k = this.nextUnfullWord(base, k + 1);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: early exit; the read below clamps to n
    if (k << 5 >= n) return n;
    // The summary is of the whole area: with n short of its end, the last
    // word may be full below n though not in the area.
    const clear = ~this.bitmapWord(base, k, n);
    return clear === 0 ? n : Math.min(n, (k << 5) + lowestBit(clear));
  }

  /** Lowest bitmap word index >= k that is not full (may lie past the end). */
  private nextUnfullWord(base: number, k: number): number {
    const summary = this.full.get(base) as Uint32Array;
    let j = k >>> 5;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: past the summary, a missing word reads as not full and gives k too
    if (j >= summary.length) return k;
    let open = ~summary[j] & (~0 << (k & 31));
    while (open === 0) {
      // Stryker disable next-line EqualityOperator: a missing word reads as not full and gives j << 5 too
      if (++j >= summary.length) return j << 5;
      open = ~summary[j];
    }
    return (j << 5) + lowestBit(open);
  }

  /** Lowest page index >= from whose bit is set, or n. */
  nextSet(base: number, from: number, n: number): number {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: early exit; the scan below clamps to n
    if (from >= n) return n;
    let k = from >>> 5;
    // Stryker disable next-line ArithmeticOperator: scanning further finds only bits past n, clamped to n
    const last = (n - 1) >>> 5;
    let word = this.bitmapWord(base, k, n) & (~0 << (from & 31));
    while (word === 0) {
      if (++k > last) return n;
      word = this.bitmapWord(base, k, n);
    }
    return Math.min(n, (k << 5) + lowestBit(word));
  }

  /**
   * Checked before a take or give changes anything: the run of `pages`
   * pages from index `i` lies within the area's pages after its metadata,
   * and is all free (take) or all taken (give).
   */
  private assertRun(base: number, i: number, pages: number, taking: boolean): void {
    const w = this.words;
    const h = PhysicalMemory.pageWord(base);
    const what = taking ? 'take' : 'give';
    if (!(Number.isInteger(pages) && pages > 0 && i >= w[h + Header.Overhead] && i + pages <= w[h + Header.Pages])) {
      bug(`${what} of ${pages} pages at index ${i} outside the area at page ${base}`);
    }
    const end = i + pages;
    if ((taking ? this.nextSet(base, i, end) : this.nextClear(base, i, end)) < end) {
      bug(`${what} of pages already ${taking ? 'taken' : 'free'} in the area at page ${base}, indexes ${i}..${end - 1}`);
    }
  }

  /** Sets or clears the bits of page indexes [from, to). */
  private setBits(base: number, from: number, to: number, value: boolean): void {
    const w = this.words;
    const first = PhysicalMemory.pageWord(base) + BITMAP_WORD_OFFSET;
    const summary = this.full.get(base) as Uint32Array;
    let i = from;
    while (i < to) {
      const k = i >>> 5;
      const lo = i & 31;
      const hi = Math.min(32, lo + (to - i));
      const mask = hi - lo === 32 ? 0xffffffff : (((1 << (hi - lo)) - 1) << lo) >>> 0;
      if (value) w[first + k] |= mask;
      else w[first + k] &= ~mask;
      const isFull = this.bitmapWord(base, k, this.pagesOf(base)) === 0xffffffff;
      if (isFull) summary[k >>> 5] |= 1 << (k & 31);
      else summary[k >>> 5] &= ~(1 << (k & 31));
      i += hi - lo;
    }
  }

  /** Counts the set bits of the area's bitmap. */
  popcount(base: number): number {
    return this.countTaken(base, 0, this.pagesOf(base));
  }

  /** Counts the allocated pages among page indexes [from, to), a word at a time. */
  countTaken(base: number, from: number, to: number): number {
    const first = PhysicalMemory.pageWord(base) + BITMAP_WORD_OFFSET;
    let total = 0;
    let i = from;
    while (i < to) {
      const lo = i & 31;
      const hi = Math.min(32, lo + (to - i));
      const mask = hi - lo === 32 ? 0xffffffff : (((1 << (hi - lo)) - 1) << lo) >>> 0;
      total += bitCount(this.words[first + (i >>> 5)] & mask);
      i += hi - lo;
    }
    return total;
  }
}

function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function bitCount(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
