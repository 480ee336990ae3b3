// Placement (docs/semantics.md §3.4): a bump pointer while fresh, first fit once
// fragmented, fresh again when empty, and zeroed objects.

import { describe, expect, it } from 'vitest';
import { ObjectType as T, PAGE_SIZE, memoryOverheadPages } from '../../src/kernel/index.ts';
import { coreSystem } from './harness.ts';

describe('placement', () => {
  it('allocates at ascending adjacent addresses while fresh', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Memory, 100, { size: 1000 })).toBe('OK');
    const base = sys.identify(100).phys as number;
    const plan: Array<[number, number | undefined, number]> = [
      [T.Page, undefined, 1], [T.CSpace, 10, 4], [T.Task, undefined, 1], [T.Memory, 20, 20], [T.Endpoint, undefined, 1],
    ];
    let next = base + memoryOverheadPages(1000) * PAGE_SIZE;
    let slot = 200;
    for (const [type, size, pages] of plan) {
      expect(sys.alloc(100, type, slot, size === undefined ? {} : { size })).toBe('OK');
      expect(sys.identify(slot)).toMatchObject({ phys: next, pages });
      next += pages * PAGE_SIZE;
      slot++;
    }
    expect(sys.alloc(100, T.Page, 300, { count: 50 })).toBe('OK');
    for (let i = 0; i < 50; i++) expect(sys.identify(300 + i).phys).toBe(next + i * PAGE_SIZE);
    sys.clean();
  });

  it('takes the lowest run that fits once fragmented', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Memory, 100, { size: 65 })).toBe('OK');
    expect(sys.alloc(100, T.Page, 200, { count: 20 })).toBe('OK');
    const phys = (s: number) => sys.identify(s).phys as number;
    const at = Array.from({ length: 20 }, (_, i) => phys(200 + i));
    // Holes: 1 page at index 3, 2 pages at 8-9, 3 pages at 14-16.
    expect(sys.destroy(203, 208, 209, 214, 215, 216)).toBe('OK');
    // A 2-page object skips the 1-page hole and takes the 2-page one.
    expect(sys.alloc(100, T.CSpace, 300, { size: 9 })).toBe('OK');
    expect(phys(300)).toBe(at[8]);
    // A page takes the lowest hole.
    expect(sys.alloc(100, T.Page, 301)).toBe('OK');
    expect(phys(301)).toBe(at[3]);
    // Three pages at once: successive first fit packs the 3-page hole.
    expect(sys.alloc(100, T.Page, 302, { count: 3 })).toBe('OK');
    expect([phys(302), phys(303), phys(304)]).toEqual([at[14], at[15], at[16]]);
    // Next goes where the bump region continues.
    expect(sys.alloc(100, T.Page, 305)).toBe('OK');
    expect(phys(305)).toBe(at[19] + PAGE_SIZE);
    sys.clean();
  });

  it('stays fragmented after freeing the most recent object, until the area is empty', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Memory, 100, { size: 33 })).toBe('OK');
    const first = (sys.identify(100).phys as number) + PAGE_SIZE;
    expect(sys.alloc(100, T.Page, 200, { count: 3 })).toBe('OK');
    expect(sys.destroy(202)).toBe('OK');
    expect(sys.destroy(200)).toBe('OK');
    // Fragmented: first fit finds the hole at the bottom, not the bump position.
    expect(sys.alloc(100, T.Page, 210)).toBe('OK');
    expect(sys.identify(210).phys).toBe(first);
    expect(sys.destroy(201, 210)).toBe('OK');
    expect(sys.free(100)).toBe(32);
    // Empty: fresh again, bump from the first page after the metadata.
    expect(sys.alloc(100, T.Page, 220, { count: 4 })).toBe('OK');
    for (let i = 0; i < 4; i++) expect(sys.identify(220 + i).phys).toBe(first + i * PAGE_SIZE);
    sys.clean();
  });

  it('a fresh child Memory gives physically contiguous objects', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Page, 90, { count: 10 })).toBe('OK');
    expect(sys.destroy(91, 93, 95)).toBe('OK'); // fragment the parent
    expect(sys.alloc(16, T.Memory, 100, { size: 17 })).toBe('OK');
    const base = sys.identify(100).phys as number;
    expect(sys.alloc(100, T.Page, 200, { count: 16 })).toBe('OK');
    for (let i = 0; i < 16; i++) expect(sys.identify(200 + i).phys).toBe(base + (1 + i) * PAGE_SIZE);
    sys.clean();
  });

  it('reused pages read as zero', () => {
    const sys = coreSystem({ pages: 4096 });
    const bytes = sys.kernel.core.phys.bytes;
    expect(sys.alloc(16, T.Page, 100, { count: 4 })).toBe('OK');
    const phys = sys.identify(101).phys as number;
    bytes.fill(0xa5, phys, phys + PAGE_SIZE);
    expect(sys.destroy(101)).toBe('OK');
    for (const type of [T.Page, T.Endpoint, T.Task]) {
      expect(sys.alloc(16, type, 101)).toBe('OK');
      expect(sys.identify(101).phys).toBe(phys);
      expect(bytes.subarray(phys, phys + PAGE_SIZE).every((b) => b === 0)).toBe(true);
      bytes.fill(0x5a, phys, phys + PAGE_SIZE);
      expect(sys.destroy(101)).toBe('OK');
    }
    // A reused CSpace reads as all Null slots.
    expect(sys.alloc(16, T.CSpace, 101, { size: 8 })).toBe('OK');
    expect(sys.identify(101).phys).toBe(phys);
    expect(sys.identify(101).radix).toBe(8);
    sys.clean();
  });

  it('first fit finds a lone hole past thousands of taken pages, in order', () => {
    const sys = coreSystem({ pages: 8192 });
    expect(sys.alloc(16, T.Page, 1000, { count: 5000 })).toBe('OK');
    const phys = (s: number) => sys.identify(s).phys as number;
    const holes = [4990, 2500, 31, 4000];
    expect(sys.destroy(...holes.map((i) => 1000 + i))).toBe('OK');
    const expected = [...holes].sort((a, b) => a - b).map((i) => phys(1000 + i - 1) + PAGE_SIZE);
    for (let k = 0; k < holes.length; k++) {
      expect(sys.alloc(16, T.Page, 9000 + k)).toBe('OK');
      expect(phys(9000 + k)).toBe(expected[k]);
    }
    // No hole left: the next goes past the last Page.
    expect(sys.alloc(16, T.Page, 9100)).toBe('OK');
    expect(phys(9100)).toBe(phys(1000 + 4999) + PAGE_SIZE);
    sys.clean();
  });

  it('capabilities work in a CSpace above 2 GiB of physical memory', () => {
    const sys = coreSystem({ pages: 1 << 20 });
    expect(sys.alloc(16, T.Memory, 100, { size: 600_000 })).toBe('OK');
    expect(sys.alloc(16, T.CSpace, 101, { size: 12 })).toBe('OK');
    expect(sys.identify(101).phys).toBeGreaterThan(2 ** 31);
    expect(sys.alloc(16, T.Endpoint, { cspace: 101, slot: 4095 })).toBe('OK');
    expect(sys.alloc(16, T.Page, 102)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 7 }, 102)).toBe('OK');
    expect(sys.move({ cspace: 101, slot: 8 }, 102)).toBe('OK');
    expect(sys.destroy({ cspace: 101, slot: 7 })).toBe('OK');
    sys.clean();
    expect(sys.destroy(101)).toBe('OK'); // drops the Endpoint and the moved Page
    sys.clean();
  });
});
