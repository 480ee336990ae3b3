// Edges of capability transfer (docs/semantics.md §7, src/kernel/transfer.ts):
// the shapes an attached cap or a landing list may take, the limit of eight
// caps on each side, and what the rendezvous finds when the state changed
// while one side waited.

import { describe, expect, it } from 'vitest';
import { Errno, ObjectType as T, Op } from '../../src/kernel/index.ts';
import { answers, coreSystem, spawn } from './harness.ts';

type Sys = ReturnType<typeof coreSystem>;

/**
 * init and a child that share Endpoint 50 (the child's slot 0); init holds
 * Pages 60..68 and the child's CSpace at 101 (radix 6).
 */
function pair(): { sys: Sys; child: number } {
  const sys = coreSystem();
  const child = spawn(sys, 100, 101);
  expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
  expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
  expect(sys.alloc(16, T.Page, 60, { count: 9 })).toBe('OK');
  sys.kernel.takeEffects();
  return { sys, child };
}

/** The child waits on slot 0 with these landing slots. */
function childWaits(sys: Sys, child: number, slots: number[]): void {
  expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots })).toBeNull();
}

/** Type and reference count of the cap in a slot of the child's CSpace (null when empty). */
function childCap(sys: Sys, slot: number): { type: number; refs: number } | null {
  const core = sys.kernel.core;
  const s = sys.kernel.core.slots;
  const page = (sys.identify(101).phys as number) / 4096;
  const index = page * 256 + slot;
  const type = s.type(index);
  return type === T.Null ? null : { type, refs: core.life.refs(type, s.object(index)) };
}

describe('attached caps: shapes', () => {
  it('an entry that is neither a caddr nor an object is EINVAL, null included', () => {
    const { sys } = pair();
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: ['60'] } })).toBe('EINVAL');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [null] } })).toBe('EINVAL');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [true] } })).toBe('EINVAL');
    // A well-formed cap after a bad entry does not rescue it.
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [60, null] } })).toBe('EINVAL');
    sys.clean();
  });

  it('the object form without move copies, and so does move: false', () => {
    const { sys, child } = pair();
    childWaits(sys, child, [10, 11]);
    expect(sys.errno(Op.Send, { cap: 50, msg: { caps: [{ cap: 60 }, { cap: 61, move: false }] } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())[0].result).toMatchObject({ errno: 0, value: { caps: [10, 11] } });
    // Both stay with init; each Page now has two references.
    expect(sys.identify(60)).toMatchObject({ type: T.Page, refs: 2 });
    expect(sys.identify(61)).toMatchObject({ type: T.Page, refs: 2 });
    expect(childCap(sys, 10)).toEqual({ type: T.Page, refs: 2 });
    expect(childCap(sys, 11)).toEqual({ type: T.Page, refs: 2 });
    sys.clean();
  });

  it('an empty slot attached is EBADF, and a Reply cap is ENOTSUP, before the partner is looked for', () => {
    const { sys, child } = pair();
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [69] } })).toBe('EBADF');
    // Caddrs outside init's CSpace (radix 16), or not caddrs at all.
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [70_000] } })).toBe('EBADF');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [{ cap: -1 }] } })).toBe('EBADF');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [{ move: true }] } })).toBe('EBADF');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [{ cap: 69, move: true }] } })).toBe('EBADF');
    // init takes a call from the child and stores the Reply cap in slot 300.
    expect(sys.kernel.invoke(child, { op: Op.Call, cap: 0, msg: { label: 1 } })).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: 1 });
    expect(sys.errno(Op.StoreReply, { dest: 300 })).toBe('OK');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [300] } })).toBe('ENOTSUP');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [{ cap: 300, move: true }] } })).toBe('ENOTSUP');
    expect(sys.identify(300).type).toBe(T.Reply);
    sys.clean();
  });
});

describe('eight caps each way', () => {
  it('eight attached caps and eight landing slots are allowed; nine of either is EMSGSIZE', () => {
    const { sys, child } = pair();
    const eight = Array.from({ length: 8 }, (_, i) => 60 + i);
    const landing = Array.from({ length: 8 }, (_, i) => 10 + i);
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [...landing, 18] })?.errno).toBe(Errno.EMSGSIZE);
    childWaits(sys, child, landing);
    expect(sys.errno(Op.Send, { cap: 50, msg: { caps: [...eight, 68] } })).toBe('EMSGSIZE');
    expect(sys.errno(Op.Send, { cap: 50, msg: { caps: eight } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())[0].result).toMatchObject({ errno: 0, value: { caps: landing } });
    for (const slot of landing) expect(childCap(sys, slot)).toEqual({ type: T.Page, refs: 2 });
    sys.clean();
  });
});

describe('landing slots: shapes', () => {
  it('a list of landing slots that is not an array is EINVAL', () => {
    const { sys } = pair();
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: 300 })).toBe('EINVAL');
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: { 0: 300 } })).toBe('EINVAL');
    expect(sys.errno(Op.Call, { cap: 50, slots: 300 })).toBe('EINVAL');
    sys.clean();
  });

  it('a landing slot named twice is EINVAL, even when it is empty', () => {
    const { sys } = pair();
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: [300, 300] })).toBe('EINVAL');
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: [300, 301, 300] })).toBe('EINVAL');
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: [300, 301] })).toBe('EAGAIN');
    sys.clean();
  });
});

describe('the rendezvous, after the state changed', () => {
  it('a queued sender whose attached cap was destroyed gets EBADF; the receiver gets nothing and waits on', () => {
    const { sys, child } = pair();
    expect(sys.copy({ cspace: 101, slot: 1 }, 60)).toBe('OK');
    expect(sys.kernel.invoke(child, { op: Op.Send, cap: 0, msg: { label: 7, caps: [1] } })).toBeNull();
    expect(sys.destroy({ cspace: 101, slot: 1 })).toBe('OK'); // init empties the child's slot 1
    expect(childCap(sys, 1)).toBeNull();
    expect(sys.identify(60).refs).toBe(1);
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: [300] })).toBe('EAGAIN');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: child, result: { errno: Errno.EBADF } }]);
    expect(sys.identify(300).type).toBe(T.Null);
    sys.clean();
  });

  it('a queued sender whose CSpace is gone gets EBADF for its caps', () => {
    const sys = coreSystem();
    // The child's CSpace comes from Memory 70, so destroying 70 takes it away.
    expect(sys.alloc(16, T.Memory, 70, { size: 10 })).toBe('OK');
    expect(sys.alloc(16, T.Task, 100)).toBe('OK');
    expect(sys.alloc(70, T.CSpace, 101, { size: 6 })).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101 })).toBe('OK');
    expect(sys.errno(Op.Start, { cap: 100, program: 'file:///child.js' })).toBe('OK');
    const child = (sys.identify(100).phys as number) / 4096;
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.alloc(16, T.Page, 60)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 1 }, 60)).toBe('OK');
    sys.kernel.takeEffects();
    expect(sys.kernel.invoke(child, { op: Op.Send, cap: 0, msg: { caps: [1] } })).toBeNull();
    expect(sys.destroy(70)).toBe('OK'); // the child's CSpace dies with its Memory
    expect(sys.identify(101).type).toBe(T.Null);
    expect(sys.identify(60).refs).toBe(1);
    sys.kernel.takeEffects();
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: [300] })).toBe('EAGAIN');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: child, result: { errno: Errno.EBADF } }]);
    expect(sys.identify(300).type).toBe(T.Null);
    expect(sys.identify(60).refs).toBe(1);
    sys.clean();
  });

  it('a queued sender whose attached slot now holds a Reply cap gets ENOTSUP; the Reply cap is not copied', () => {
    const { sys, child } = pair();
    // A second task calls init; init stores that Reply cap.
    const caller = spawn(sys, 102, 103);
    expect(sys.copy({ cspace: 103, slot: 0 }, 50)).toBe('OK');
    sys.kernel.takeEffects();
    expect(sys.kernel.invoke(caller, { op: Op.Call, cap: 0, msg: { label: 2 } })).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: 2 });
    expect(sys.errno(Op.StoreReply, { dest: 300 })).toBe('OK');
    const callerRefs = sys.identify(102).refs;
    // The child queues a send of its slot 1; while it waits, slot 1 is
    // emptied and the Reply cap moved in.
    expect(sys.copy({ cspace: 101, slot: 1 }, 60)).toBe('OK');
    expect(sys.kernel.invoke(child, { op: Op.Send, cap: 0, msg: { caps: [1] } })).toBeNull();
    expect(sys.destroy({ cspace: 101, slot: 1 })).toBe('OK');
    expect(sys.move({ cspace: 101, slot: 1 }, 300)).toBe('OK');
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: [301] })).toBe('EAGAIN');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: child, result: { errno: Errno.ENOTSUP } }]);
    expect(sys.identify(301).type).toBe(T.Null);
    expect(childCap(sys, 1)?.type).toBe(T.Reply);
    expect(sys.identify(102).refs).toBe(callerRefs);
    sys.clean();
  });

  it('a landing slot filled while its receiver waited fails the receiver with EEXIST; the sender is not at fault', () => {
    const { sys, child } = pair();
    childWaits(sys, child, [10]);
    expect(sys.copy({ cspace: 101, slot: 10 }, 61)).toBe('OK'); // init fills it meanwhile
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { label: 3, caps: [60] } })).toBe('EAGAIN');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: child, result: { errno: Errno.EEXIST } }]);
    expect(sys.identify(60).refs).toBe(1);
    expect(childCap(sys, 10)).toEqual({ type: T.Page, refs: 2 }); // still Page 61
    expect(sys.kernel.core.slots.object((sys.identify(101).phys as number) / 16 + 10)).toBe((sys.identify(61).phys as number) / 4096);
    sys.clean();
  });

  it('a cap moved to an object at 256 references passes; a copy of it is ERANGE', () => {
    const { sys, child } = pair();
    for (let i = 0; i < 255; i++) expect(sys.copy(1000 + i, 60)).toBe('OK');
    expect(sys.identify(60).refs).toBe(256);
    childWaits(sys, child, [10]);
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [1000] } })).toBe('ERANGE');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [{ cap: 1000, move: true }] } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())[0].result).toMatchObject({ errno: 0, value: { caps: [10] } });
    expect(sys.identify(1000).type).toBe(T.Null);
    expect(childCap(sys, 10)).toEqual({ type: T.Page, refs: 256 });
    sys.clean();
  });
});
