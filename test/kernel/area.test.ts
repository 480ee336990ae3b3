// The area allocator against a plain reference: one boolean per page and a
// list of live objects. Random runs of plan/take/give on areas whose sizes sit
// at the bitmap's word boundaries (32 pages) and its summary's (1024 pages),
// with the bitmap scans asked at random bounds. After every step the header,
// the bitmap and the guard pages on either side of the area are compared with
// the reference, so a write to the wrong word or a stale field shows at once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, memoryOverheadPages } from '../../src/abi.ts';
import { AREA_MAGIC, Areas, Header } from '../../src/kernel/area.ts';
import { KernelBug } from '../../src/kernel/assert.ts';
import { PhysicalMemory } from '../../src/kernel/physical.ts';

const GUARD = 0xa5;
/** Random runs of the model test; mutation testing runs fewer (vitest.stryker.config.ts). */
const RUNS = Number(process.env.CADUCEUS_AREA_RUNS ?? 150);
const BASE = 1;

interface Fixture {
  phys: PhysicalMemory;
  areas: Areas;
  pages: number;
  overhead: number;
}

/** An area of `pages` pages at page 1 of a memory whose other pages are filled with a pattern. */
function fixture(pages: number): Fixture {
  const phys = new PhysicalMemory(pages + 2);
  phys.bytes.fill(GUARD);
  const areas = new Areas(phys);
  areas.init(BASE, pages, 0xffffffff);
  return { phys, areas, pages, overhead: Math.min(memoryOverheadPages(pages), pages) };
}

class Reference {
  readonly taken: boolean[];
  readonly live: { start: number; pages: number }[] = [];
  fragmented = false;

  constructor(readonly pages: number, overhead: number) {
    this.taken = Array.from({ length: pages }, (_, i) => i < overhead);
  }

  /** Repeated first fit on a copy of the bitmap: where `count` objects of `size` pages go, or null. */
  plan(size: number, count: number): number[] | null {
    const taken = [...this.taken];
    const starts: number[] = [];
    for (let k = 0; k < count; k++) {
      let at = -1;
      for (let i = 0; i + size <= this.pages && at < 0; i++) {
        if (taken.slice(i, i + size).every((t) => !t)) at = i;
      }
      if (at < 0) return null;
      for (let i = at; i < at + size; i++) taken[i] = true;
      starts.push(BASE + at);
    }
    return starts;
  }

  take(start: number, pages: number): void {
    for (let i = start - BASE; i < start - BASE + pages; i++) this.taken[i] = true;
    this.live.push({ start, pages });
  }

  give(k: number): { start: number; pages: number } {
    const [object] = this.live.splice(k, 1);
    for (let i = object.start - BASE; i < object.start - BASE + object.pages; i++) this.taken[i] = false;
    this.fragmented = this.live.length > 0;
    return object;
  }

  nextClear(from: number, n: number): number {
    for (let i = from; i < n; i++) if (!this.taken[i]) return i;
    return n;
  }

  nextSet(from: number, n: number): number {
    for (let i = from; i < n; i++) if (this.taken[i]) return i;
    return n;
  }

  count(from: number, to: number): number {
    return this.taken.slice(from, to).filter(Boolean).length;
  }
}

function expectAgrees(f: Fixture, ref: Reference): void {
  const { areas, phys, pages, overhead } = f;
  expect(areas.isArea(BASE)).toBe(true);
  expect(areas.pagesOf(BASE)).toBe(pages);
  expect(areas.overheadOf(BASE)).toBe(memoryOverheadPages(pages));
  expect(areas.liveOf(BASE)).toBe(ref.live.length);
  expect(areas.isFragmented(BASE)).toBe(ref.fragmented);
  expect(areas.freeOf(BASE)).toBe(Math.max(0, pages - overhead) - ref.live.reduce((s, o) => s + o.pages, 0));
  expect(areas.field(BASE, Header.Parent)).toBe(0xffffffff);
  // The hint is exact: the lowest free page, or the end.
  expect(areas.field(BASE, Header.Hint)).toBe(ref.nextClear(0, pages));
  if (!ref.fragmented) expect(areas.field(BASE, Header.Watermark)).toBe(ref.nextClear(0, pages));
  for (let i = 0; i < pages; i++) {
    if (areas.isTaken(BASE, i) !== ref.taken[i]) expect.fail(`page index ${i}: taken ${areas.isTaken(BASE, i)}, reference ${ref.taken[i]}`);
  }
  expect(areas.popcount(BASE)).toBe(ref.count(0, pages));
  const guardBefore = phys.bytes.subarray(0, PAGE_SIZE);
  const guardAfter = phys.bytes.subarray((BASE + pages) * PAGE_SIZE);
  expect(guardBefore.every((b) => b === GUARD)).toBe(true);
  expect(guardAfter.every((b) => b === GUARD)).toBe(true);
}

/** Area sizes at and beside the bitmap's word and summary boundaries. */
const SIZES = [1, 2, 31, 32, 33, 63, 64, 65, 97, 1023, 1024, 1025, 1056, 1057, 2049, 2081];

const step = fc.oneof(
  fc.record({ kind: fc.constant('alloc' as const), size: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 80 })), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('scan' as const), from: fc.nat(), n: fc.nat() }),
);

describe('memory areas', () => {
  it('a fresh area: header, magic and bitmap, with nothing outside it touched', () => {
    for (const pages of SIZES) {
      const f = fixture(pages);
      expectAgrees(f, new Reference(pages, f.overhead));
      expect(f.areas.field(BASE, Header.Magic)).toBe(AREA_MAGIC);
      expect(f.areas.isFragmented(BASE)).toBe(false);
    }
  });

  it('a page that holds no area is not taken for one', () => {
    const f = fixture(64);
    expect(f.areas.isArea(0)).toBe(false);
    expect(f.areas.isArea(BASE + f.overhead)).toBe(false);
  });

  it('plan, take, give and the scans agree with a page-by-page reference', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SIZES), fc.array(step, { minLength: 1, maxLength: 40 }), (pages, steps) => {
        const f = fixture(pages);
        const ref = new Reference(pages, f.overhead);
        for (const s of steps) {
          if (s.kind === 'alloc') {
            const planned = f.areas.plan(BASE, s.size, s.count);
            expect(planned).toEqual(ref.plan(s.size, s.count));
            for (const start of planned ?? []) {
              f.areas.take(BASE, start, s.size);
              ref.take(start, s.size);
            }
          } else if (s.kind === 'free') {
            if (ref.live.length === 0) continue;
            const object = ref.give(s.pick % ref.live.length);
            f.areas.give(BASE, object.start, object.pages);
            expect(f.phys.bytes[f.areas.refByte(BASE, object.start)]).toBe(0);
          } else {
            const n = s.n % (pages + 1);
            const from = s.from % (pages + 2);
            expect(f.areas.nextClear(BASE, from, n)).toBe(ref.nextClear(from, n));
            expect(f.areas.nextSet(BASE, from, n)).toBe(ref.nextSet(from, n));
            const to = Math.min(pages, from + (s.n % 97));
            if (from <= to) expect(f.areas.countTaken(BASE, from, to)).toBe(ref.count(from, to));
          }
          expectAgrees(f, ref);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the scans find a page far past the first word, and stop at the bound', () => {
    const pages = 2081;
    const f = fixture(pages);
    const ref = new Reference(pages, f.overhead);
    // Take everything, then free one page deep in the area, in the last word.
    const all = f.areas.plan(BASE, 1, pages - f.overhead) as number[];
    for (const start of all) {
      f.areas.take(BASE, start, 1);
      ref.take(start, 1);
    }
    const hole = ref.live.findIndex((o) => o.start === BASE + 2070);
    f.areas.give(BASE, BASE + 2070, 1);
    ref.give(hole);
    expect(f.areas.nextClear(BASE, 0, pages)).toBe(2070);
    expect(f.areas.nextClear(BASE, 0, 2070)).toBe(2070);
    expect(f.areas.nextClear(BASE, 2071, pages)).toBe(pages);
    expect(f.areas.field(BASE, Header.Hint)).toBe(2070);
    expectAgrees(f, ref);

    // One object in the last word of a mostly free area: nextSet walks the empty words.
    const g = fixture(pages);
    const spread = g.areas.plan(BASE, 1, 2080 - g.overhead) as number[];
    for (const s of spread) g.areas.take(BASE, s, 1);
    for (const s of spread.slice(0, -1)) g.areas.give(BASE, s, 1);
    expect(g.areas.nextSet(BASE, g.overhead, pages)).toBe(2079);
    expect(g.areas.nextSet(BASE, g.overhead, 2079)).toBe(2079);
    expect(g.areas.nextSet(BASE, 40, 2080)).toBe(2079);
  });

  it('an area emptied again is fresh: not fragmented, placing by its bump pointer', () => {
    const f = fixture(64);
    const [a, b] = f.areas.plan(BASE, 2, 2) as number[];
    f.areas.take(BASE, a, 2);
    f.areas.take(BASE, b, 2);
    f.areas.give(BASE, a, 2);
    expect(f.areas.isFragmented(BASE)).toBe(true);
    f.areas.give(BASE, b, 2);
    expect(f.areas.isFragmented(BASE)).toBe(false);
    expect(f.areas.field(BASE, Header.Flags)).toBe(0);
    expect(f.areas.field(BASE, Header.Watermark)).toBe(f.overhead);
    expect(f.areas.plan(BASE, 3, 1)).toEqual([BASE + f.overhead]);
  });

  it('a bad take or give names the pages it refused', () => {
    const f = fixture(64);
    const [a, b] = f.areas.plan(BASE, 3, 2) as number[];
    f.areas.take(BASE, a, 3);
    f.areas.take(BASE, b, 3);
    const i = a - BASE;
    expect(() => f.areas.take(BASE, a, 3)).toThrow(KernelBug);
    expect(() => f.areas.take(BASE, a, 3)).toThrow(`take of pages already taken in the area at page ${BASE}, indexes ${i}..${i + 2}`);
    f.areas.give(BASE, a, 3);
    expect(() => f.areas.give(BASE, a, 2)).toThrow(`give of pages already free in the area at page ${BASE}, indexes ${i}..${i + 1}`);
    expect(() => f.areas.take(BASE, BASE, 1)).toThrow(`take of 1 pages at index 0 outside the area at page ${BASE}`);
  });
});
