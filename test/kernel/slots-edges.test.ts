// Edges of the slot records (src/kernel/slots.ts): a record's bytes belong to
// it alone, so writing one slot never touches its neighbour; the flags the
// checker reads are bytes 2 and 3; emptying an empty slot does nothing; and
// a slot missing from its object's list is a kernel bug, found at once.

import { describe, expect, it } from 'vitest';
import { KernelBug } from '../../src/kernel/assert.ts';
import { ObjectType as T } from '../../src/kernel/index.ts';
import { Slots } from '../../src/kernel/slots.ts';
import { coreSystem, spawn } from './harness.ts';

/** init with Page 60 and a child whose CSpace is init's slot 101; the global index of a child slot. */
function withChild() {
  const sys = coreSystem();
  spawn(sys, 100, 101);
  expect(sys.alloc(16, T.Page, 60, { count: 2 })).toBe('OK');
  const core = sys.kernel.core;
  const childPage = (sys.identify(101).phys as number) / 4096;
  const page = (sys.identify(60).phys as number) / 4096;
  return { sys, core, page, child: (i: number) => Slots.index(childPage, i), init: (i: number) => lookupInit(sys, i) };
}

function lookupInit(sys: ReturnType<typeof coreSystem>, i: number): number {
  return Slots.index((sys.identify(0).phys as number) / 4096, i);
}

describe('slot records', () => {
  it('filling a slot leaves the list link of the slot before it whole', () => {
    const { sys, core, page, child, init } = withChild();
    // Slot 2's link names slot 1, an index past 16 bits, so every byte of the
    // link word matters.
    expect(sys.copy({ cspace: 101, slot: 1 }, 60)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 2 }, 60)).toBe('OK');
    expect(child(1)).toBeGreaterThan(0xffff);
    expect(core.slots.link(child(2))).toBe(child(1));
    expect(sys.copy({ cspace: 101, slot: 3 }, 61)).toBe('OK');
    expect(core.slots.link(child(2))).toBe(child(1));
    expect(core.slots.flags(child(3))).toBe(0);
    expect(core.slots.namers(T.Page, page)).toEqual([child(2), child(1), init(60)]);
    sys.clean();
    // The list is what destruction follows: every cap to the Page goes.
    expect(sys.destroy(60)).toBe('OK');
    expect(sys.destroy({ cspace: 101, slot: 1 })).toBe('OK');
    expect(core.slots.namers(T.Page, page)).toEqual([child(2)]);
    expect(core.life.refs(T.Page, page)).toBe(1);
    sys.clean();
  });

  it('the flags are bytes 2 and 3 of the record, and the checker wants them zero', () => {
    const { sys, core, child } = withChild();
    expect(sys.copy({ cspace: 101, slot: 1 }, 60)).toBe('OK');
    const b = child(1) * 16;
    core.phys.bytes[b + 2] = 1;
    expect(core.slots.flags(child(1))).toBe(1);
    expect(sys.kernel.check().join('\n')).toMatch(/flags 1 are not zero/);
    core.phys.bytes[b + 2] = 0;
    core.phys.bytes[b + 3] = 2;
    expect(core.slots.flags(child(1))).toBe(0x200);
    expect(sys.kernel.check().join('\n')).toMatch(/flags 512 are not zero/);
    core.phys.bytes[b + 3] = 0;
    sys.clean();
  });

  it('emptying a slot that is already Null does nothing', () => {
    const { sys, core, page, child, init } = withChild();
    expect(sys.copy({ cspace: 101, slot: 2 }, 60)).toBe('OK');
    expect(core.slots.type(child(1))).toBe(T.Null);
    core.slots.clear(child(1));
    expect(core.slots.type(child(1))).toBe(T.Null);
    expect(core.slots.namers(T.Page, page)).toEqual([child(2), init(60)]);
    expect(core.life.refs(T.Page, page)).toBe(2);
    sys.clean();
  });

  it('a slot missing from its object list is a kernel bug when it is emptied', () => {
    const { sys, core, child } = withChild();
    expect(sys.copy({ cspace: 101, slot: 1 }, 60)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 2 }, 60)).toBe('OK');
    // Cut the list after its head, slot 2: slot 1 can no longer be found.
    core.phys.words[child(2) * 4 + 3] = 0;
    expect(() => core.slots.clear(child(1))).toThrow(KernelBug);
    expect(() => core.slots.clear(child(1))).toThrow(/slot \d+ is missing from the list of object \d+/);
  });
});
