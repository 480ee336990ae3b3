// Revoke by destroying Memory (docs/semantics.md §3.5): everything allocated from the
// area dies with it, every capability naming those objects becomes Null, and
// the work list keeps the stack bounded at any depth or width.

import { describe, expect, it } from 'vitest';
import { ObjectType as T, Op } from '../../src/kernel/index.ts';
import { Slots } from '../../src/kernel/slots.ts';
import { coreSystem } from './harness.ts';

describe('destroying Memory', () => {
  it('destroys a chain of 10,000 nested areas without recursion', () => {
    const sys = coreSystem({ pages: 1 << 16 });
    const bootFree = sys.free(16);
    const depth = 10_000;
    // Slot 100 + i holds level i; each level takes all its parent's free pages.
    expect(sys.alloc(16, T.Memory, 100, { size: 40_000 })).toBe('OK');
    for (let i = 1; i < depth; i++) {
      expect(sys.alloc(100 + i - 1, T.Memory, 100 + i, { size: sys.free(100 + i - 1) })).toBe('OK');
    }
    // A copy of the innermost cap in a slot outside the chain's range.
    expect(sys.copy(50_000, 100 + depth - 1)).toBe('OK');
    expect(sys.alloc(100 + depth - 1, T.Page, 50_001)).toBe('OK');
    sys.clean();
    expect(sys.destroy(100)).toBe('OK');
    const types = Array.from({ length: depth }, (_, i) => sys.identify(100 + i).type);
    expect(types.every((t) => t === T.Null)).toBe(true);
    expect(sys.identify(50_000).type).toBe(T.Null);
    expect(sys.identify(50_001).type).toBe(T.Null);
    expect(sys.free(16)).toBe(bootFree);
    sys.clean();
  });

  it('destroys an area holding 100,000 objects and nulls every slot naming them', () => {
    const sys = coreSystem({ pages: 1 << 17 });
    const bootFree = sys.free(16);
    // Two radix-16 CSpaces from the boot Memory hold the caps.
    expect(sys.alloc(16, T.CSpace, 100, { size: 16, count: 2 })).toBe('OK');
    expect(sys.alloc(16, T.Memory, 200, { size: 100_100 })).toBe('OK');
    expect(sys.alloc(200, T.Page, { cspace: 100, slot: 0 }, { count: 65_536 })).toBe('OK');
    expect(sys.alloc(200, T.Endpoint, { cspace: 101, slot: 0 }, { count: 34_364 })).toBe('OK');
    // The last hundred in init's own CSpace, each copied into a third CSpace.
    expect(sys.alloc(200, T.Notification, 300, { count: 100 })).toBe('OK');
    expect(sys.alloc(16, T.CSpace, 400, { size: 7 })).toBe('OK');
    for (let i = 0; i < 100; i++) expect(sys.copy({ cspace: 400, slot: i }, 300 + i)).toBe('OK');
    expect(sys.free(200)).toBe(100_100 - 28 - 100_000);
    sys.clean();

    expect(sys.destroy(200)).toBe('OK');
    const core = sys.kernel.core;
    const cs = [sys.identify(100).phys! / 4096, sys.identify(101).phys! / 4096];
    let named = 0;
    for (const c of cs) for (let i = 0; i < 65_536; i++) if (core.slots.type(Slots.index(c, i)) !== T.Null) named++;
    expect(named).toBe(0);
    for (let i = 0; i < 100; i++) {
      expect(sys.identify(300 + i).type).toBe(T.Null);
      expect(core.slots.type(Slots.index(sys.identify(400).phys! / 4096, i))).toBe(T.Null);
    }
    expect(sys.identify(200).type).toBe(T.Null);
    expect(sys.free(16)).toBe(bootFree - 2 * 256 - 1);
    sys.clean();
  });

  it('reaches through CSpaces and Tasks allocated from the dying area', () => {
    const sys = coreSystem({ pages: 4096 });
    const bootFree = sys.free(16);
    expect(sys.alloc(16, T.Memory, 100, { size: 64 })).toBe('OK');
    // Objects outside the area, named only from a CSpace inside it.
    expect(sys.alloc(16, T.Page, 200)).toBe('OK');
    expect(sys.alloc(16, T.Endpoint, 201)).toBe('OK');
    expect(sys.alloc(100, T.CSpace, 110, { size: 4 })).toBe('OK');
    expect(sys.move({ cspace: 110, slot: 0 }, 200)).toBe('OK');
    expect(sys.copy({ cspace: 110, slot: 1 }, 201)).toBe('OK');
    // A Task inside the area bound to a CSpace outside it.
    expect(sys.alloc(16, T.CSpace, 202, { size: 2 })).toBe('OK');
    expect(sys.alloc(100, T.Task, 111)).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 111, cspace: 202, fault: 201 })).toBe('OK');
    expect(sys.identify(202).refs).toBe(2);
    expect(sys.identify(201).refs).toBe(3);
    sys.clean();
    expect(sys.destroy(100)).toBe('OK');
    // The Page's only cap lived in the dying CSpace: it is gone too.
    expect(sys.identify(201).refs).toBe(1);
    expect(sys.identify(202).refs).toBe(1);
    expect(sys.free(16)).toBe(bootFree - 1 - 1);
    sys.clean();
  });

  it('a ring of holders too large for the cycle check is reclaimed by destroying its Memory', () => {
    const sys = coreSystem({ pages: 4096 });
    const bootFree = sys.free(16);
    expect(sys.alloc(16, T.Memory, 100, { size: 700 })).toBe('OK');
    const n = 600; // more CSpaces than the cycle check examines
    expect(sys.alloc(100, T.CSpace, 1000, { size: 1, count: n })).toBe('OK');
    for (let i = 0; i < n; i++) expect(sys.copy({ cspace: 1000 + ((i + 1) % n), slot: 0 }, 1000 + i)).toBe('OK');
    expect(sys.destroy(...Array.from({ length: n }, (_, i) => 1000 + i))).toBe('OK');
    expect(sys.free(100)).toBe(700 - 1 - n); // kept: the ring is too long to prove unreachable
    sys.clean();
    expect(sys.destroy(100)).toBe('OK');
    expect(sys.free(16)).toBe(bootFree);
    sys.clean();
  });

  it('a CSpace holding a Memory cap before caps to objects carved from it tears down cleanly', () => {
    const sys = coreSystem({ pages: 4096 });
    const bootFree = sys.free(16);
    expect(sys.alloc(16, T.CSpace, 100, { size: 4 })).toBe('OK');
    expect(sys.alloc(16, T.Memory, { cspace: 100, slot: 0 }, { size: 20 })).toBe('OK');
    expect(sys.alloc(16, T.Memory, 101, { size: 20 })).toBe('OK');
    expect(sys.alloc(101, T.Page, { cspace: 100, slot: 1 }, { count: 3 })).toBe('OK');
    expect(sys.move({ cspace: 100, slot: 4 }, 101)).toBe('OK'); // its Memory after its Pages
    expect(sys.destroy(100)).toBe('OK');
    expect(sys.free(16)).toBe(bootFree);
    sys.clean();
  });

  it("init's exit reclaims everything it alone held, back to the root area", () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Memory, 100, { size: 50 })).toBe('OK');
    expect(sys.alloc(100, T.Page, 101, { count: 3 })).toBe('OK');
    expect(sys.alloc(16, T.CSpace, 110, { size: 3 })).toBe('OK');
    expect(sys.copy({ cspace: 110, slot: 0 }, 110)).toBe('OK');
    expect(sys.errno(Op.Exit, { code: 0 })).toBe('OK');
    const core = sys.kernel.core;
    expect(core.areas.freeOf(0)).toBe(4096 - core.areas.overheadOf(0));
    expect(sys.kernel.check()).toEqual([]);
  });
});
