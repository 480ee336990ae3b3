// Edges of Memory (docs/semantics.md §3): the types and sizes ALLOC takes at
// their bounds, the kernel's own placement for boot, and the list of objects
// an area holds, which a dying Memory uses to find what dies with it.

import { describe, expect, it } from 'vitest';
import { lookup } from '../../src/kernel/cspace.ts';
import { ObjectType as T, Op, pageOf, Rights } from '../../src/kernel/index.ts';
import { objectsIn, placeObject } from '../../src/kernel/memory.ts';
import { coreSystem } from './harness.ts';

/** A kernel with a 10-page Memory at init's slot 100 (9 pages free after its metadata page). */
function withArea() {
  const sys = coreSystem({ pages: 4096 });
  expect(sys.alloc(16, T.Memory, 100, { size: 10 })).toBe('OK');
  const core = sys.kernel.core;
  const area = pageOf(sys.identify(100).phys as number);
  const pageAt = (caddr: number) => pageOf(sys.identify(caddr).phys as number);
  return { sys, core, area, pageAt };
}

describe('ALLOC types and sizes', () => {
  it('refuses a type that is not allocated from Memory with EINVAL', () => {
    const { sys } = withArea();
    const free = sys.free(100);
    for (const type of [T.Null, T.Reply, T.Console, 11, 99, -1, 1.5, '5', null]) {
      expect(sys.errno(Op.Alloc, { cap: 100, type, dest: 200 })).toBe('EINVAL');
    }
    expect(sys.free(100)).toBe(free);
    expect(sys.identify(200).type).toBe(T.Null);
    sys.clean();
  });

  it('takes a Memory child of every size up to 2^20 pages and refuses larger ones', () => {
    const { sys } = withArea();
    const bad = [0, -1, 1.5, NaN, '4', undefined, null, (1 << 20) + 1, 2 ** 32];
    for (const size of bad) expect(sys.errno(Op.Alloc, { cap: 16, type: T.Memory, size, dest: 200 })).toBe('EINVAL');
    // The largest size is a valid request; 4096 pages of memory cannot hold it.
    expect(sys.alloc(16, T.Memory, 200, { size: 1 << 20 })).toBe('ENOMEM');
    expect(sys.alloc(100, T.Memory, 200, { size: 9 })).toBe('OK');
    expect(sys.identify(200)).toMatchObject({ type: T.Memory, pages: 9 });
    expect(sys.free(100)).toBe(0);
    sys.clean();
  });

  it('takes a CSpace radix from 1 to 16 and refuses others', () => {
    const { sys } = withArea();
    const free = sys.free(16);
    for (const size of [0, 17, -1, 1.5, '4', undefined, null]) {
      expect(sys.errno(Op.Alloc, { cap: 16, type: T.CSpace, size, dest: 200 })).toBe('EINVAL');
    }
    expect(sys.free(16)).toBe(free);
    expect(sys.alloc(16, T.CSpace, 200, { size: 1 })).toBe('OK');
    expect(sys.identify(200)).toMatchObject({ radix: 1, pages: 1 });
    expect(sys.alloc(16, T.CSpace, 201, { size: 16 })).toBe('OK');
    expect(sys.identify(201)).toMatchObject({ radix: 16, pages: 256 });
    sys.clean();
  });

  it('takes a count up to the slots of the largest CSpace', () => {
    const { sys } = withArea();
    expect(sys.alloc(16, T.CSpace, 200, { size: 16 })).toBe('OK');
    const free = sys.free(16);
    // 65,536 Pages fit the destination but not the memory; one more fits neither.
    expect(sys.alloc(16, T.Page, { cspace: 200, slot: 0 }, { count: 1 << 16 })).toBe('ENOMEM');
    expect(sys.alloc(16, T.Page, { cspace: 200, slot: 0 }, { count: (1 << 16) + 1 })).toBe('EINVAL');
    expect(sys.alloc(16, T.Page, { cspace: 200, slot: 65_535 }, { count: 2 })).toBe('EINVAL');
    expect(sys.alloc(16, T.Page, { cspace: 200, slot: 65_534 }, { count: 2 })).toBe('OK');
    expect(sys.free(16)).toBe(free - 2);
    sys.clean();
  });

  it('refuses a size for a type that has none', () => {
    const { sys } = withArea();
    for (const size of [0, 1, 2]) expect(sys.errno(Op.Alloc, { cap: 100, type: T.Page, size, dest: 200 })).toBe('EINVAL');
    expect(sys.alloc(100, T.Page, 200)).toBe('OK');
    expect(sys.identify(200).pages).toBe(1);
    sys.clean();
  });
});

describe('placeObject, the kernel allocation for boot', () => {
  it('takes pages from the area, and throws RangeError when the object does not fit', () => {
    const { sys, core, area } = withArea();
    const page = placeObject(core, area, T.CSpace, 9); // 2 pages
    expect(core.objects.kind[page]).toBe(T.CSpace);
    expect(core.objects.pages[page]).toBe(2);
    expect(sys.free(100)).toBe(7);
    core.slots.fill(lookup(core, sys.init, 300), T.CSpace, Rights.ALL, page, 0);
    expect(sys.identify(300)).toMatchObject({ type: T.CSpace, radix: 9, refs: 1 });
    expect(sys.alloc(100, T.Page, 200, { count: 6 })).toBe('OK');
    expect(sys.free(100)).toBe(1);
    expect(() => placeObject(core, area, T.CSpace, 9)).toThrow(RangeError);
    expect(() => placeObject(core, area, T.CSpace, 9)).toThrow(`no room for a 2-page object in the area at page ${area}`);
    expect(sys.free(100)).toBe(1);
    sys.clean();
  });
});

describe('objectsIn, the objects of an area', () => {
  it('lists the first page of each object, ascending; none for an empty area', () => {
    const { sys, core, area, pageAt } = withArea();
    expect(objectsIn(core, area)).toEqual([]);
    expect(sys.alloc(100, T.Page, 200, { count: 3 })).toBe('OK');
    expect(sys.alloc(100, T.CSpace, 203, { size: 9 })).toBe('OK');
    expect(sys.destroy(201)).toBe('OK');
    expect(objectsIn(core, area)).toEqual([pageAt(200), pageAt(202), pageAt(203)]);
    expect(sys.destroy(200, 202, 203)).toBe('OK');
    expect(objectsIn(core, area)).toEqual([]);
    sys.clean();
  });

  it('throws on a page marked taken that starts no object of the area', () => {
    const { sys, core, area, pageAt } = withArea();
    expect(sys.alloc(100, T.Page, 200)).toBe('OK');
    const page = pageAt(200);
    const message = `kernel bug: page ${page} is marked in area ${area} but starts no object of it`;
    // The object table forgets the object: its page is still marked taken.
    core.objects.kind[page] = T.Null;
    expect(() => objectsIn(core, area)).toThrow(message);
    core.objects.kind[page] = T.Page;
    // The object table says it came from another area.
    core.objects.area[page] = 16;
    expect(() => objectsIn(core, area)).toThrow(message);
    core.objects.area[page] = area;
    expect(objectsIn(core, area)).toEqual([page]);
    sys.clean();
  });

  it('a dying Memory takes every object listed with it', () => {
    const { sys } = withArea();
    const free = sys.free(16);
    expect(sys.alloc(100, T.Page, 200, { count: 2 })).toBe('OK');
    expect(sys.alloc(100, T.Endpoint, 202)).toBe('OK');
    expect(sys.destroy(100)).toBe('OK');
    for (const caddr of [200, 201, 202]) expect(sys.identify(caddr).type).toBe(T.Null);
    expect(sys.free(16)).toBe(free + 10);
    expect(sys.errno(Op.FreePages, { cap: 100 })).toBe('EBADF');
    sys.clean();
  });
});
