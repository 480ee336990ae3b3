// References (docs/semantics.md §4 and §5): the limit of 256, move keeping the count,
// the last reference destroying, copies with rights masks and badges.

import { describe, expect, it } from 'vitest';
import { ObjectType as T, Rights } from '../../src/kernel/index.ts';
import { coreSystem } from './harness.ts';

describe('references', () => {
  it('256 references succeed and the next copy is ERANGE with nothing changed', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Endpoint, 100)).toBe('OK');
    for (let i = 1; i < 256; i++) expect(sys.copy(100 + i, 100)).toBe('OK');
    expect(sys.identify(100).refs).toBe(256);
    const free = sys.free(16);
    expect(sys.copy(1000, 100)).toBe('ERANGE');
    expect(sys.copy(1000, 355)).toBe('ERANGE');
    expect(sys.copy(1000, 355, { rights: Rights.READ, badge: 9 })).toBe('ERANGE');
    expect(sys.identify(1000).type).toBe(T.Null);
    expect(sys.identify(100).refs).toBe(256);
    expect(sys.free(16)).toBe(free);
    sys.clean();
    // Dropping one makes room for one.
    expect(sys.destroy(355)).toBe('OK');
    expect(sys.copy(1000, 100)).toBe('OK');
    expect(sys.copy(1001, 100)).toBe('ERANGE');
    sys.clean();
  });

  it('move keeps the count and empties the source', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Page, 100)).toBe('OK');
    expect(sys.copy(101, 100, { rights: Rights.READ })).toBe('OK');
    const before = sys.identify(101);
    expect(sys.move(200, 101)).toBe('OK');
    expect(sys.identify(101).type).toBe(T.Null);
    expect(sys.identify(200)).toEqual(before);
    expect(sys.identify(200).refs).toBe(2);
    expect(sys.move(200, 100)).toBe('EEXIST');
    expect(sys.move(300, 301)).toBe('EBADF');
    sys.clean();
  });

  it('the last destroy frees the object and its pages', () => {
    const sys = coreSystem({ pages: 4096 });
    const free = sys.free(16);
    expect(sys.alloc(16, T.Page, 100)).toBe('OK');
    expect(sys.copy(101, 100)).toBe('OK');
    expect(sys.copy(102, 101)).toBe('OK');
    expect(sys.destroy(100)).toBe('OK');
    expect(sys.identify(101).refs).toBe(2);
    expect(sys.destroy(102, 102)).toBe('OK'); // a repeated slot is Null the second time
    expect(sys.free(16)).toBe(free - 1);
    expect(sys.destroy(101)).toBe('OK');
    expect(sys.free(16)).toBe(free);
    expect(sys.destroy(101, 5000)).toBe('OK'); // Null slots succeed
    sys.clean();
  });

  it('rights only shrink through copies', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Memory, 100, { size: 10 })).toBe('OK');
    expect(sys.copy(101, 100, { rights: Rights.READ | Rights.GRANT })).toBe('OK');
    expect(sys.copy(102, 101, { rights: Rights.ALL })).toBe('OK');
    expect(sys.identify(102).rights).toBe(Rights.READ | Rights.GRANT);
    expect(sys.alloc(102, T.Page, 200)).toBe('EPERM');
    expect(sys.free(102)).toBe(9);
    expect(sys.copy(103, 102, { rights: 0 })).toBe('OK');
    expect(sys.errno(2 /* Alloc */, { cap: 103, type: T.Page, dest: 200 })).toBe('EPERM');
    expect(sys.errno(3 /* FreePages */, { cap: 103 })).toBe('EPERM');
    expect(sys.identify(103)).toMatchObject({ type: T.Memory, rights: 0 });
    sys.clean();
  });

  it('badges go only on unbadged Endpoint and Notification caps', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Endpoint, 100)).toBe('OK');
    expect(sys.alloc(16, T.Notification, 101)).toBe('OK');
    expect(sys.alloc(16, T.Page, 102)).toBe('OK');
    expect(sys.copy(200, 100, { badge: 0xdeadbeef })).toBe('OK');
    expect(sys.identify(200).badge).toBe(0xdeadbeef);
    expect(sys.copy(201, 200)).toBe('OK');
    expect(sys.identify(201).badge).toBe(0xdeadbeef);
    expect(sys.copy(202, 200, { badge: 5 })).toBe('EINVAL');
    expect(sys.copy(202, 101, { badge: 5 })).toBe('OK');
    expect(sys.copy(203, 102, { badge: 5 })).toBe('EINVAL');
    expect(sys.copy(203, 3, { badge: 5 })).toBe('EINVAL'); // the Console
    expect(sys.copy(203, 100, { badge: 2 ** 32 })).toBe('EINVAL');
    expect(sys.copy(203, 100, { badge: -1 })).toBe('EINVAL');
    expect(sys.copy(203, 100, { rights: 8 })).toBe('EINVAL');
    expect(sys.errno(4 /* Copy */, { cap: 100, dest: 203, rights: null })).toBe('EINVAL');
    expect(sys.identify(203).type).toBe(T.Null);
    sys.clean();
  });

  it('copies and moves into another CSpace through a CSpace cap with WRITE', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.CSpace, 100, { size: 4 })).toBe('OK');
    expect(sys.copy(101, 100, { rights: Rights.READ })).toBe('OK');
    expect(sys.alloc(16, T.Page, 200)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 3 }, 200)).toBe('EPERM');
    expect(sys.copy({ cspace: 100, slot: 16 }, 200)).toBe('EBADF'); // radix 4: slots 0..15
    expect(sys.copy({ cspace: 200, slot: 3 }, 200)).toBe('EBADF'); // not a CSpace
    expect(sys.copy({ cspace: 100, slot: 3 }, 200)).toBe('OK');
    expect(sys.identify(200).refs).toBe(2);
    expect(sys.move({ cspace: 100, slot: 3 }, 200)).toBe('EEXIST');
    expect(sys.move({ cspace: 100, slot: 4 }, 200)).toBe('OK');
    expect(sys.destroy({ cspace: 101, slot: 3 })).toBe('EPERM');
    expect(sys.alloc(16, T.Page, { cspace: 100, slot: 14 }, { count: 3 })).toBe('EINVAL'); // runs past slot 15
    expect(sys.alloc(16, T.Page, { cspace: 100, slot: 14 }, { count: 2 })).toBe('OK');
    sys.clean();
    // Destroying the CSpace drops what it holds: the Page loses both refs.
    const free = sys.free(16);
    expect(sys.destroy(100, 101)).toBe('OK');
    expect(sys.free(16)).toBe(free + 1 + 2 + 1);
    sys.clean();
  });
});
