// Exact accounting (docs/semantics.md §2 and §3): the overhead formula, object sizes,
// a child Memory paying its own metadata, all-or-nothing ALLOC, and ENOMEM
// when the free count would suffice but no run is long enough.

import { describe, expect, it } from 'vitest';
import { ObjectType as T, memoryOverheadPages, objectPages, PAGE_SIZE } from '../../src/kernel/index.ts';
import { coreSystem } from './harness.ts';

describe('memoryOverheadPages', () => {
  it.each([
    // N, header + bitmap + refcounts in bytes, pages
    [1, 64 + 1 + 1, 1],
    [8, 64 + 1 + 8, 1],
    [3584, 64 + 448 + 3584, 1],
    [3585, 64 + 449 + 3585, 2], // 4098 bytes: just over one page
    [16384, 64 + 2048 + 16384, 5],
    [1 << 17, 64 + 16384 + 131072, 37],
    [1 << 20, 64 + 131072 + 1048576, 289],
  ])('an area of %i pages needs %i bytes = %i pages of metadata', (n, bytes, pages) => {
    expect(Math.ceil(bytes / PAGE_SIZE)).toBe(pages);
    expect(memoryOverheadPages(n)).toBe(pages);
  });
});

describe('objectPages', () => {
  it('gives each type its size from docs/semantics.md §2', () => {
    for (const t of [T.VSpace, T.Task, T.Page, T.PageTable, T.Endpoint, T.Notification]) expect(objectPages(t)).toBe(1);
    expect(objectPages(T.Memory, 37)).toBe(37);
    expect([1, 2, 8, 9, 12, 16].map((r) => objectPages(T.CSpace, r))).toEqual([1, 1, 1, 2, 16, 256]);
  });

  it('refuses types and sizes that cannot be allocated', () => {
    expect(() => objectPages(T.Null)).toThrow(RangeError);
    expect(() => objectPages(T.Reply)).toThrow(RangeError);
    expect(() => objectPages(T.Console)).toThrow(RangeError);
    expect(() => objectPages(T.CSpace, 17)).toThrow(RangeError);
    expect(() => objectPages(T.Memory, 0)).toThrow(RangeError);
  });
});

describe('free pages', () => {
  it('boot leaves init exactly the pages the kernel did not take', () => {
    const pages = 16384;
    const sys = coreSystem({ pages });
    const left = pages - memoryOverheadPages(pages) - objectPages(T.CSpace, 16) - 1 - 1;
    expect(sys.boot.memory).toEqual([{ cap: 16, phys: (pages - left) * PAGE_SIZE, pages: left }]);
    expect(sys.free(16)).toBe(left - memoryOverheadPages(left));
    sys.clean();
  });

  it('every allocation costs exactly its objectPages', () => {
    const sys = coreSystem({ pages: 8192 });
    let expected = sys.free(16);
    const cases: Array<[number, number | undefined]> = [
      [T.Page, undefined], [T.Task, undefined], [T.VSpace, undefined], [T.PageTable, undefined],
      [T.Endpoint, undefined], [T.Notification, undefined], [T.CSpace, 4], [T.CSpace, 10], [T.Memory, 77],
    ];
    let dest = 100;
    for (const [type, size] of cases) {
      expect(sys.alloc(16, type, dest++, size === undefined ? {} : { size })).toBe('OK');
      expected -= objectPages(type, size);
      expect(sys.free(16)).toBe(expected);
    }
    sys.clean();
  });

  it('a child Memory pays its own metadata out of its pages', () => {
    const sys = coreSystem({ pages: 8192 });
    const before = sys.free(16);
    for (const [slot, size] of [[100, 1], [101, 2], [102, 3585], [103, 500]] as const) {
      expect(sys.alloc(16, T.Memory, slot, { size })).toBe('OK');
      expect(sys.free(slot)).toBe(size - memoryOverheadPages(size));
    }
    expect(sys.free(16)).toBe(before - 1 - 2 - 3585 - 500);
    // Nested: the grandchild pays again.
    expect(sys.alloc(103, T.Memory, 104, { size: 300 })).toBe('OK');
    expect(sys.free(103)).toBe(500 - 1 - 300);
    expect(sys.free(104)).toBe(300 - 1);
    sys.clean();
  });

  it('ALLOC with count is all or nothing', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Memory, 100, { size: 11 })).toBe('OK'); // 10 free pages
    expect(sys.alloc(100, T.Page, 200, { count: 11 })).toBe('ENOMEM');
    expect(sys.free(100)).toBe(10);
    for (let s = 200; s < 211; s++) expect(sys.identify(s).type).toBe(T.Null);
    expect(sys.alloc(100, T.Page, 200, { count: 10 })).toBe('OK');
    expect(sys.free(100)).toBe(0);
    for (let s = 200; s < 210; s++) expect(sys.identify(s).type).toBe(T.Page);
    sys.clean();
  });

  it('an occupied slot anywhere in the destination range fails the whole ALLOC', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Page, 205)).toBe('OK');
    const before = sys.free(16);
    expect(sys.alloc(16, T.Page, 200, { count: 8 })).toBe('EEXIST');
    expect(sys.free(16)).toBe(before);
    expect(sys.identify(200).type).toBe(T.Null);
    sys.clean();
  });

  it('ENOMEM when enough pages are free but no run is long enough', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Memory, 100, { size: 9 })).toBe('OK'); // 8 free pages
    expect(sys.alloc(100, T.Page, 200, { count: 8 })).toBe('OK');
    expect(sys.destroy(201, 203, 205, 207)).toBe('OK'); // four 1-page holes
    expect(sys.free(100)).toBe(4);
    expect(sys.alloc(100, T.CSpace, 300, { size: 9 })).toBe('ENOMEM'); // 2 pages: no run of 2
    expect(sys.alloc(100, T.Memory, 300, { size: 2 })).toBe('ENOMEM');
    expect(sys.free(100)).toBe(4);
    expect(sys.alloc(100, T.Page, 300, { count: 4 })).toBe('OK'); // but four single pages fit
    expect(sys.free(100)).toBe(0);
    sys.clean();
  });
});
