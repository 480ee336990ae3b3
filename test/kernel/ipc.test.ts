// IPC in the core (docs/semantics.md §7 and §8): capability transfer, Reply caps,
// Notifications. Tests act as several tasks by invoking with their pages.

import { describe, expect, it } from 'vitest';
import { Errno, ObjectType as T, Op, Rights } from '../../src/kernel/index.ts';
import { Slots } from '../../src/kernel/slots.ts';
import { answers, coreSystem, spawn } from './harness.ts';

type Sys = ReturnType<typeof coreSystem>;

/** Everything observable about some slots of a CSpace: type, object, rights, badge, refs. */
function state(sys: Sys, cspaceSlot: number, indexes: number[]): unknown[] {
  const core = sys.kernel.core;
  const page = sys.identify(cspaceSlot).phys! / 4096;
  return indexes.map((i) => {
    const s = Slots.index(page, i);
    const type = core.slots.type(s);
    return type === T.Null ? null : [type, core.slots.object(s), core.slots.rights(s), core.slots.badge(s), core.life.refs(type, core.slots.object(s))];
  });
}

describe('capability transfer', () => {
  function pair() {
    const sys = coreSystem();
    const child = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.alloc(16, T.Page, 60, { count: 9 })).toBe('OK');
    expect(sys.alloc(16, T.Memory, 70, { size: 10 })).toBe('OK');
    sys.kernel.takeEffects();
    return { sys, child };
  }

  it('copies and moves caps into the landing slots, receiver first', () => {
    const { sys, child } = pair();
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [10, 11, 12] })).toBeNull();
    expect(sys.errno(Op.Send, { cap: 50, msg: { label: 1, caps: [60, { cap: 70, move: true }] } })).toBe('OK');
    const [ans] = answers(sys.kernel.takeEffects());
    expect(ans.result.value).toMatchObject({ label: 1, caps: [10, 11] });
    expect(sys.identify(60).refs).toBe(2);
    expect(sys.identify(70).type).toBe(T.Null);
    expect((state(sys, 101, [11])[0] as number[])[0]).toBe(T.Memory);
    sys.clean();
  });

  it('copies caps when the sender came first, and into a call', () => {
    const { sys, child } = pair();
    expect(sys.errno(Op.Call, { cap: 50, msg: { caps: [60] }, slots: [200] })).toBe('BLOCKED');
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [10] })).toEqual({ errno: 0, value: expect.objectContaining({ caps: [10] }) });
    // The reply carries a cap back: the Endpoint cap the child received on has GRANT.
    expect(sys.kernel.invoke(child, { op: Op.Reply, msg: { caps: [{ cap: 10, move: true }] } })).toEqual({ errno: 0, value: undefined });
    const [ans] = answers(sys.kernel.takeEffects());
    expect(ans.result.value).toMatchObject({ caps: [200] });
    expect(sys.identify(200)).toMatchObject({ type: T.Page, refs: 2 });
    sys.clean();
  });

  it('needs GRANT to attach caps, and to reply with them', () => {
    const { sys, child } = pair();
    expect(sys.copy(51, 50, { rights: Rights.READ | Rights.WRITE })).toBe('OK');
    expect(sys.errno(Op.NbSend, { cap: 51, msg: { caps: [60] } })).toBe('EPERM');
    expect(sys.errno(Op.NbSend, { cap: 51, msg: { caps: [] } })).toBe('EAGAIN');
    expect(sys.destroy({ cspace: 101, slot: 0 })).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50, { rights: Rights.READ | Rights.WRITE })).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 1 }, 60)).toBe('OK');
    expect(sys.errno(Op.Call, { cap: 50, slots: [200] })).toBe('BLOCKED');
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0 })?.errno).toBe(0);
    expect(sys.kernel.invoke(child, { op: Op.Reply, msg: { caps: [1] } })?.errno).toBe(Errno.EPERM);
    expect(sys.kernel.invoke(child, { op: Op.Reply, msg: { label: 3 } })?.errno).toBe(0);
    sys.clean();
  });

  it('fails with ENOSPC or ERANGE leaving both sides exactly as they were; the receiver keeps waiting', () => {
    const { sys, child } = pair();
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [10] })).toBeNull();
    const before = [state(sys, 0, [60, 61, 70]), state(sys, 101, [10, 11])];
    expect(sys.errno(Op.Send, { cap: 50, msg: { caps: [60, { cap: 70, move: true }] } })).toBe('ENOSPC');
    expect([state(sys, 0, [60, 61, 70]), state(sys, 101, [10, 11])]).toEqual(before);
    for (let i = 0; i < 254; i++) expect(sys.copy(1000 + i, 61)).toBe('OK'); // Page 61 at 255 references
    const full = [state(sys, 0, [61, 62]), state(sys, 101, [10])];
    expect(sys.errno(Op.Send, { cap: 50, msg: { caps: [61] } })).toBe('OK'); // 256 is fine
    expect(sys.destroy({ cspace: 101, slot: 10 })).toBe('OK');
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [10, 11] })).toBeNull();
    expect(sys.copy(1300, 61)).toBe('OK'); // now 256
    const atLimit = [state(sys, 0, [61, 62]), state(sys, 101, [10, 11])];
    expect(sys.errno(Op.Send, { cap: 50, msg: { caps: [62, 61] } })).toBe('ERANGE');
    expect([state(sys, 0, [61, 62]), state(sys, 101, [10, 11])]).toEqual(atLimit);
    expect(full).toBeDefined();
    // Still waiting: a plain send gets through.
    expect(sys.errno(Op.Send, { cap: 50, msg: { label: 9 } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects()).at(-1)?.result.value).toMatchObject({ label: 9, caps: [] });
    sys.clean();
  });

  it('checks what is attached and what is offered', () => {
    const { sys, child } = pair();
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [5000] } })).toBe('EBADF');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: Array.from({ length: 9 }, (_, i) => 60 + i) } })).toBe('EMSGSIZE');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [60, 60] } })).toBe('EINVAL');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [{ cap: 60, move: 'yes' }] } })).toBe('EINVAL');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: 60 } })).toBe('EINVAL');
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: [60] })).toBe('EEXIST');
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: [70_000] })).toBe('EBADF');
    expect(sys.errno(Op.NbRecv, { cap: 50, slots: Array.from({ length: 9 }, (_, i) => 300 + i) })).toBe('EMSGSIZE');
    expect(child).toBeGreaterThan(0);
    sys.clean();
  });
});

describe('Reply caps', () => {
  it('storeReply keeps the answer for later; the stored cap is one-shot', () => {
    const sys = coreSystem();
    const child = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    sys.kernel.takeEffects();
    expect(sys.kernel.invoke(child, { op: Op.Call, cap: 0, msg: { label: 4 } })).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: 4 });
    expect(sys.errno(Op.StoreReply, { dest: 300 })).toBe('OK');
    expect(sys.identify(300)).toMatchObject({ type: T.Reply, badge: 0 });
    expect(sys.errno(Op.Reply, {})).toBe('EPIPE'); // the hidden slot is empty now
    expect(sys.copy(301, 300)).toBe('ENOTSUP');
    expect(sys.move(302, 300)).toBe('OK');
    expect(sys.errno(Op.Call, { cap: 302 })).toBe('ENOTSUP');
    expect(sys.errno(Op.Send, { cap: 302, msg: { label: 5 } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())[0]).toMatchObject({ task: child, result: { value: { label: 5 } } });
    expect(sys.identify(302).type).toBe(T.Null);
    sys.clean();
  });

  it('a stored Reply cap destroyed unanswered fails its caller with EPIPE; one for a caller gone is EPIPE', () => {
    const sys = coreSystem();
    const a = spawn(sys, 100, 101);
    const b = spawn(sys, 102, 103);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.copy({ cspace: 103, slot: 0 }, 50)).toBe('OK');
    sys.kernel.takeEffects();
    sys.kernel.invoke(a, { op: Op.Call, cap: 0 });
    sys.kernel.invoke(b, { op: Op.Call, cap: 0 });
    sys.ok(Op.Recv, { cap: 50 });
    expect(sys.errno(Op.StoreReply, { dest: 300 })).toBe('OK');
    sys.ok(Op.Recv, { cap: 50 });
    expect(sys.errno(Op.StoreReply, { dest: 301 })).toBe('OK');
    sys.clean();
    expect(sys.destroy(300)).toBe('OK');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: a, result: { errno: Errno.EPIPE } }]);
    expect(sys.destroy(102)).toBe('OK'); // kill b
    expect(sys.errno(Op.Send, { cap: 301 })).toBe('EPIPE');
    expect(sys.identify(301).type).toBe(T.Reply); // EPIPE changes nothing
    sys.clean();
  });
});

describe('notifications', () => {
  it('signal ORs badges, wakes every waiter with the word, then clears it', () => {
    const sys = coreSystem();
    const a = spawn(sys, 100, 101);
    const b = spawn(sys, 102, 103);
    expect(sys.alloc(16, T.Notification, 50)).toBe('OK');
    expect(sys.copy(51, 50, { badge: 0b100 })).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.copy({ cspace: 103, slot: 0 }, 50)).toBe('OK');
    sys.kernel.takeEffects();
    expect(sys.ok(Op.Poll, { cap: 50 })).toBe(0);
    expect(sys.errno(Op.Signal, { cap: 50 })).toBe('OK');
    expect(sys.errno(Op.Signal, { cap: 51 })).toBe('OK');
    expect(sys.ok(Op.Wait, { cap: 50 })).toBe(0b101);
    expect(sys.ok(Op.Poll, { cap: 50 })).toBe(0);
    expect(sys.kernel.invoke(a, { op: Op.Wait, cap: 0 })).toBeNull();
    expect(sys.kernel.invoke(b, { op: Op.Wait, cap: 0 })).toBeNull();
    sys.clean();
    expect(sys.errno(Op.Signal, { cap: 51 })).toBe('OK');
    expect(answers(sys.kernel.takeEffects()).map((e) => [e.task, e.result.value])).toEqual([[a, 4], [b, 4]]);
    expect(sys.ok(Op.Poll, { cap: 50 })).toBe(0);
    expect(sys.copy(52, 50, { rights: Rights.WRITE })).toBe('OK');
    expect(sys.errno(Op.Wait, { cap: 52 })).toBe('EPERM');
    expect(sys.errno(Op.Signal, { cap: 16 })).toBe('ENOTSUP');
    // A Notification destroyed under a waiter fails it with EPIPE.
    expect(sys.kernel.invoke(a, { op: Op.Wait, cap: 0 })).toBeNull();
    expect(sys.destroy(50, 51, 52, { cspace: 101, slot: 0 }, { cspace: 103, slot: 0 })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: a, result: { errno: Errno.EPIPE } }]);
    sys.clean();
  });
});

describe('invariant 4', () => {
  it('notices a task queued where it is not blocked', () => {
    const sys = coreSystem();
    const a = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    sys.kernel.invoke(a, { op: Op.Recv, cap: 0 });
    sys.clean();
    sys.kernel.endpoints.of(sys.identify(50).phys! / 4096).senders.add(sys.init);
    expect(sys.kernel.check().join('\n')).toMatch(/Endpoint send queue at page \d+ holds Task at page \d+, which is not blocked on it/);
  });
});

describe('replyRecv', () => {
  /** init serves on Endpoint 50; two clients call it through slot 0 of their CSpaces. */
  function served() {
    const sys = coreSystem();
    const a = spawn(sys, 100, 101);
    const b = spawn(sys, 102, 103);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50, { badge: 1 })).toBe('OK');
    expect(sys.copy({ cspace: 103, slot: 0 }, 50, { badge: 2 })).toBe('OK');
    sys.kernel.takeEffects();
    return { sys, a, b };
  }
  const call = (sys: Sys, task: number, label: number, slots?: number[]) => sys.kernel.invoke(task, { op: Op.Call, cap: 0, msg: { label }, slots });

  it('answers the last caller and takes the next one queued, in one call', () => {
    const { sys, a, b } = served();
    expect(call(sys, a, 1)).toBeNull();
    expect(call(sys, b, 2)).toBeNull();
    // First time round there is nobody to answer: only the receive.
    expect(sys.ok(Op.ReplyRecv, { cap: 50, msg: { label: 99 } })).toMatchObject({ label: 1, badge: 1 });
    expect(answers(sys.kernel.takeEffects())).toEqual([]);
    expect(sys.ok(Op.ReplyRecv, { cap: 50, msg: { label: 11, data: new Uint8Array([7]) } })).toMatchObject({ label: 2, badge: 2 });
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: a, result: { errno: 0, value: expect.objectContaining({ label: 11, data: new Uint8Array([7]) }) } }]);
    // b is answered, then the server blocks: nobody else calls.
    expect(sys.errno(Op.ReplyRecv, { cap: 50, msg: { label: 12 } })).toBe('BLOCKED');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: b, result: { errno: 0, value: expect.objectContaining({ label: 12 }) } }]);
    // A call now hands straight over to the waiting server, in the same pass.
    expect(call(sys, a, 3)).toBeNull();
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: sys.init, result: { errno: 0, value: expect.objectContaining({ label: 3, badge: 1 }) } }]);
    sys.clean();
  });

  it('drops the answer to a caller that is gone, and receives', () => {
    const { sys, a, b } = served();
    expect(call(sys, a, 1)).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: 1 });
    expect(sys.destroy(100)).toBe('OK'); // a is killed while it waits for the answer
    sys.kernel.takeEffects();
    expect(call(sys, b, 2)).toBeNull();
    expect(sys.ok(Op.ReplyRecv, { cap: 50, msg: { label: 5 } })).toMatchObject({ label: 2, badge: 2 });
    expect(answers(sys.kernel.takeEffects())).toEqual([]);
    sys.clean();
  });

  it('restarts only the receive when the server is suspended and resumed after answering', () => {
    const sys = coreSystem();
    const server = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.alloc(16, T.Page, 60)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    sys.kernel.takeEffects();
    expect(sys.kernel.invoke(server, { op: Op.Recv, cap: 0, slots: [10] })).toBeNull();
    expect(sys.errno(Op.Call, { cap: 50, msg: { label: 1, caps: [{ cap: 60, move: true }] }, slots: [200] })).toBe('BLOCKED');
    sys.kernel.takeEffects();
    // The server moves the Page back with its answer and waits for the next call.
    expect(sys.kernel.invoke(server, { op: Op.ReplyRecv, cap: 0, msg: { caps: [{ cap: 10, move: true }] }, slots: [11] })).toBeNull();
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: sys.init, result: { errno: 0, value: expect.objectContaining({ caps: [200] }) } }]);
    expect(sys.errno(Op.Suspend, { cap: 100 })).toBe('OK');
    expect(sys.errno(Op.Resume, { cap: 100 })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())).toEqual([]); // still waiting, not failed (the moved cap is gone)
    expect(sys.errno(Op.Call, { cap: 50, msg: { label: 2 } })).toBe('BLOCKED');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: server, result: { errno: 0, value: expect.objectContaining({ label: 2 }) } }]);
    sys.clean();
  });

  it('drops an answer with caps when there is nobody to answer, whatever the last Reply could carry', () => {
    const { sys, a } = served();
    expect(sys.alloc(16, T.Page, 60)).toBe('OK');
    expect(call(sys, a, 1)).toBeNull();
    expect(sys.errno(Op.ReplyRecv, { cap: 50, msg: { caps: [60] } })).toBe('OK'); // the first turn: only the receive
    expect(sys.identify(60).refs).toBe(1);
    sys.clean();
  });

  it('checks in order, changes nothing when it fails, and keeps the Reply cap when the caller cannot take the answer', () => {
    const { sys, a } = served();
    expect(sys.alloc(16, T.Page, 60)).toBe('OK');
    expect(call(sys, a, 1)).toBeNull(); // a offers no landing slot
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: 1 });
    expect(sys.errno(Op.ReplyRecv, { cap: 60 })).toBe('ENOTSUP');
    expect(sys.errno(Op.ReplyRecv, { cap: 9999 })).toBe('EBADF');
    expect(sys.copy(51, 50, { rights: Rights.WRITE })).toBe('OK');
    expect(sys.errno(Op.ReplyRecv, { cap: 51 })).toBe('EPERM');
    expect(sys.errno(Op.ReplyRecv, { cap: 50, msg: { data: new Uint8Array(2049) } })).toBe('EMSGSIZE');
    expect(sys.errno(Op.ReplyRecv, { cap: 50, msg: { label: -1 } })).toBe('EINVAL');
    expect(sys.errno(Op.ReplyRecv, { cap: 50, slots: [60] })).toBe('EEXIST');
    // The caller offered no slot for the cap: ENOSPC, and a still waits for its answer.
    expect(sys.errno(Op.ReplyRecv, { cap: 50, msg: { caps: [60] } })).toBe('ENOSPC');
    expect(answers(sys.kernel.takeEffects())).toEqual([]);
    expect(sys.identify(60).refs).toBe(1);
    expect(sys.errno(Op.ReplyRecv, { cap: 50, msg: { label: 8 } })).toBe('BLOCKED');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: a, result: { errno: 0, value: expect.objectContaining({ label: 8 }) } }]);
    sys.clean();
  });
});
