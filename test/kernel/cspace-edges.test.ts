// Edges of CSpace addressing and of the capability operations
// (docs/semantics.md §5): caddrs just past a small CSpace, a task with no
// CSpace, what identify shows of a Reply cap, badge words at their bounds,
// and the longest destroy list.

import { describe, expect, it } from 'vitest';
import { MAX_RADIX, ObjectType as T, Op, Rights } from '../../src/kernel/index.ts';
import { coreSystem, spawn } from './harness.ts';

describe('addressing past the end of a small CSpace', () => {
  // A radix-2 CSpace has 4 slots but fills a whole page, room for 256 slot
  // records: the records after slot 3 are zero, so a lookup that forgot the
  // radix would find an empty slot there instead of failing.
  function small() {
    const sys = coreSystem();
    expect(sys.alloc(16, T.CSpace, 100, { size: 2 })).toBe('OK');
    expect(sys.alloc(16, T.Page, 101)).toBe('OK');
    return sys;
  }

  it('a { cspace, slot } destination takes slots 0 .. 3 and nothing past them', () => {
    const sys = small();
    expect(sys.copy({ cspace: 100, slot: 3 }, 101)).toBe('OK');
    for (const slot of [4, 5, 255, 256, -1, 1.5]) expect(sys.copy({ cspace: 100, slot }, 101)).toBe('EBADF');
    expect(sys.identify(101).refs).toBe(2);
    sys.clean();
  });

  it('a destination through a cap that is not a CSpace is EBADF, whatever its rights', () => {
    const sys = small();
    expect(sys.alloc(16, T.Page, 102)).toBe('OK');
    // The Page cap has WRITE; a Page's own page reads as one empty slot.
    expect(sys.copy({ cspace: 102, slot: 0 }, 101)).toBe('EBADF');
    expect(sys.move({ cspace: 102, slot: 0 }, 101)).toBe('EBADF');
    expect(sys.copy({ cspace: 300, slot: 0 }, 101)).toBe('EBADF'); // an empty slot names no CSpace
    expect(sys.identify(101).refs).toBe(1);
    sys.clean();
  });

  it('a task whose CSpace is small sees only its own slots, as caps and as destinations', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Task, 100)).toBe('OK');
    expect(sys.alloc(16, T.CSpace, 101, { size: 2 })).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101 })).toBe('OK');
    expect(sys.errno(Op.Start, { cap: 100, program: 'file:///child.js' })).toBe('OK');
    const child = (sys.identify(100).phys as number) / 4096;
    expect(sys.alloc(16, T.Page, 102)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 102)).toBe('OK');
    const call = (args: Record<string, unknown>) => sys.kernel.invoke(child, args)?.errno;
    expect(call({ op: Op.Identify, cap: 3 })).toBe(0);
    expect(call({ op: Op.Identify, cap: 4 })).toBe(9); // EBADF
    expect(call({ op: Op.Copy, cap: 0, dest: 3 })).toBe(0);
    for (const dest of [4, 100, 255, 'x', -1]) expect(call({ op: Op.Copy, cap: 0, dest })).toBe(9);
    expect(sys.identify(102).refs).toBe(3);
    sys.clean();
  });

  it('a task whose CSpace died names no slot at all', () => {
    // A CSpace word of 0 names page 0, the root area. Its size is the page
    // count, and 1 << 4104 is 256 in JavaScript (shift counts are taken mod
    // 32), so page 0 would pass for a CSpace of 256 slots: only the check for
    // "no CSpace" keeps such a task out of the root area's header.
    const sys = coreSystem({ pages: 4104 });
    // The child's CSpace comes from a Memory of its own; destroying that
    // Memory destroys the CSpace and unbinds it, but the Task lives on.
    expect(sys.alloc(16, T.Memory, 90, { size: 4 })).toBe('OK');
    expect(sys.alloc(16, T.Task, 100)).toBe('OK');
    expect(sys.alloc(90, T.CSpace, 101, { size: 4 })).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101 })).toBe('OK');
    expect(sys.errno(Op.Start, { cap: 100, program: 'file:///child.js' })).toBe('OK');
    const child = (sys.identify(100).phys as number) / 4096;
    expect(sys.destroy(90)).toBe('OK');
    expect(sys.identify(101).type).toBe(T.Null);
    expect(sys.identify(100).state).toBe('ready');
    const call = (args: Record<string, unknown>) => sys.kernel.invoke(child, args)?.errno;
    // As destinations: slots at the end of page 0 read as empty, so only
    // that check stops destroy from answering OK there.
    for (const cap of [255, 200, 128]) expect(call({ op: Op.Destroy, caps: [cap] })).toBe(9); // EBADF
    for (const cap of [0, 1, 2, 15, 16, 255]) {
      expect(call({ op: Op.Identify, cap })).toBe(9);
      expect(call({ op: Op.FreePages, cap })).toBe(9);
    }
    sys.clean();
  });
});

describe('what identify shows', () => {
  it('a Reply cap shows its type and rights only: no page, no reference count', () => {
    const sys = coreSystem();
    const child = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.kernel.invoke(child, { op: Op.Call, cap: 0, msg: { label: 4 } })).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: 4 });
    expect(sys.errno(Op.StoreReply, { dest: 300 })).toBe('OK');
    const id = sys.identify(300);
    expect(id).toEqual({ type: T.Reply, rights: id.rights, badge: 0 });
    expect(Object.keys(id).sort()).toEqual(['badge', 'rights', 'type']);
    sys.clean();
  });

  it('the Console cap shows its reference count but no page', () => {
    const sys = coreSystem();
    expect(sys.identify(3)).toEqual({ type: T.Console, rights: Rights.ALL, badge: 0, refs: 1 });
    expect(sys.copy(200, 3)).toBe('OK');
    expect(sys.identify(3)).toEqual({ type: T.Console, rights: Rights.ALL, badge: 0, refs: 2 });
    sys.clean();
  });
});

describe('badges on copy', () => {
  it('takes every 32-bit word, the largest included', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 100)).toBe('OK');
    expect(sys.copy(200, 100, { badge: 0xffffffff })).toBe('OK');
    expect(sys.identify(200).badge).toBe(0xffffffff);
    expect(sys.copy(201, 100, { badge: 0 })).toBe('OK');
    expect(sys.identify(201).badge).toBe(0);
    sys.clean();
  });

  it('refuses a badge that is not a 32-bit word with EINVAL, changing nothing', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Notification, 100)).toBe('OK');
    for (const badge of [2 ** 32, -1, 1.5, NaN, '7', true, null]) {
      expect(sys.errno(Op.Copy, { cap: 100, dest: 200, badge })).toBe('EINVAL');
    }
    expect(sys.identify(200).type).toBe(T.Null);
    expect(sys.identify(100).refs).toBe(1);
    sys.clean();
  });
});

describe('destroy lists', () => {
  const LONGEST = 1 << MAX_RADIX;

  it('takes a list as long as the largest CSpace', () => {
    const sys = coreSystem();
    const free = sys.free(16);
    expect(sys.alloc(16, T.Page, 200)).toBe('OK');
    // The Page's slot once, then empty slots (destroying a Null slot succeeds).
    const caps = [200, ...new Array<number>(LONGEST - 1).fill(201)];
    expect(sys.destroy(...caps)).toBe('OK');
    expect(sys.identify(200).type).toBe(T.Null);
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });

  it('refuses a longer list with EINVAL, destroying nothing', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Page, 200)).toBe('OK');
    const free = sys.free(16);
    const caps = [200, ...new Array<number>(LONGEST).fill(201)];
    expect(sys.destroy(...caps)).toBe('EINVAL');
    expect(sys.identify(200).type).toBe(T.Page);
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });
});
