// The rendezvous and the Reply caps at their edges (docs/semantics.md §7,
// §9): partners refused while the search goes on, a blocked sender's state,
// exit messages met at once, queued and torn down, and Reply caps that
// outlive the wait they answer.
import { describe, expect, it } from 'vitest';
import { Errno, ExitLabel, ObjectType as T, Op, Rights } from '../../src/kernel/index.ts';
import { TaskState } from '../../src/kernel/tcb.ts';
import { answers, coreSystem, spawn } from './harness.ts';

type Sys = ReturnType<typeof coreSystem>;

/** init and two children, each child holding a cap to init's Endpoint 50 in its slot 0. */
function trio() {
  const sys = coreSystem();
  expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
  const a = spawn(sys, 100, 101);
  const b = spawn(sys, 110, 111);
  for (const cspace of [101, 111]) expect(sys.copy({ cspace, slot: 0 }, 50)).toBe('OK');
  expect(sys.alloc(16, T.Page, 60, { count: 2 })).toBe('OK');
  sys.kernel.takeEffects();
  return { sys, a, b };
}

/** The answers in the effects taken now, as [task, errno]. */
/** Tasks still in any Endpoint queue (an empty queue is kept until its Endpoint dies). */
function queued(sys: Sys): number {
  let n = 0;
  for (const q of sys.kernel.endpoints.queues.values()) n += q.senders.size + q.receivers.size;
  return n;
}

function answered(sys: Sys): Array<[number, number]> {
  return answers(sys.kernel.takeEffects()).map((e) => [e.task, e.result.errno]);
}

describe('the rendezvous', () => {
  it('a receiver whose landing slot was filled meanwhile is refused with EEXIST, and the next receiver gets the message', () => {
    const { sys, a, b } = trio();
    expect(sys.kernel.invoke(a, { op: Op.Recv, cap: 0, slots: [10] })).toBeNull();
    expect(sys.kernel.invoke(b, { op: Op.Recv, cap: 0, slots: [10] })).toBeNull();
    expect(sys.copy({ cspace: 101, slot: 10 }, 61)).toBe('OK'); // a's landing slot is no longer Null
    expect(sys.errno(Op.Send, { cap: 50, msg: { label: 4, caps: [60] } })).toBe('OK');
    const effects = answers(sys.kernel.takeEffects());
    expect(effects.map((e) => [e.task, e.result.errno])).toEqual([[a, Errno.EEXIST], [b, 0]]);
    expect(effects[1].result.value).toMatchObject({ label: 4, caps: [10] });
    expect(queued(sys)).toBe(0);
    sys.clean();
  });

  it('with every receiver refused, an nbsend is EAGAIN and a send queues', () => {
    const { sys, a } = trio();
    expect(sys.kernel.invoke(a, { op: Op.Recv, cap: 0, slots: [10] })).toBeNull();
    expect(sys.copy({ cspace: 101, slot: 10 }, 61)).toBe('OK');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { caps: [60] } })).toBe('EAGAIN');
    expect(answered(sys)).toEqual([[a, Errno.EEXIST]]);
    expect(sys.kernel.invoke(a, { op: Op.Recv, cap: 0, slots: [11] })).toBeNull();
    expect(sys.copy({ cspace: 101, slot: 11 }, 61)).toBe('OK');
    expect(sys.errno(Op.Send, { cap: 50, msg: { caps: [60] } })).toBe('BLOCKED');
    expect(answered(sys)).toEqual([[a, Errno.EEXIST]]);
    expect(sys.kernel.waits.state(sys.init)).toBe(TaskState.Blocked);
    sys.clean();
  });

  it('a sender whose caps went while it waited is refused with EBADF, and the receiver takes the next sender', () => {
    const { sys, a, b } = trio();
    expect(sys.alloc(16, T.Page, { cspace: 101, slot: 5 })).toBe('OK');
    expect(sys.kernel.invoke(a, { op: Op.Send, cap: 0, msg: { label: 1, caps: [5] } })).toBeNull();
    expect(sys.kernel.invoke(b, { op: Op.Send, cap: 0, msg: { label: 2 } })).toBeNull();
    expect(sys.destroy({ cspace: 101, slot: 5 })).toBe('OK');
    const got = sys.kernel.invoke(sys.init, { op: Op.Recv, cap: 50, slots: [300] });
    expect(got).toEqual({ errno: 0, value: expect.objectContaining({ label: 2, caps: [] }) });
    expect(answered(sys)).toEqual([[a, Errno.EBADF], [b, 0]]);
    expect(queued(sys)).toBe(0);
    sys.clean();
  });

  it('a receiver that leaves the queue leaves the others in it', () => {
    const { sys, a, b } = trio();
    expect(sys.kernel.invoke(a, { op: Op.Recv, cap: 0 })).toBeNull();
    expect(sys.kernel.invoke(b, { op: Op.Recv, cap: 0 })).toBeNull();
    expect(sys.errno(Op.Suspend, { cap: 100 })).toBe('OK'); // a leaves the queue
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { label: 6 } })).toBe('OK');
    expect(answered(sys)).toEqual([[b, 0]]);
    sys.clean();
  });

  it('a blocked sender is Blocked: its next call is EBUSY until the receiver comes', () => {
    const { sys, a } = trio();
    expect(sys.kernel.invoke(a, { op: Op.Send, cap: 0, msg: { label: 1 } })).toBeNull();
    expect(sys.kernel.waits.state(a)).toBe(TaskState.Blocked);
    expect(sys.kernel.invoke(a, { op: Op.Identify, cap: 0 })?.errno).toBe(Errno.EBUSY);
    expect(sys.kernel.blockedTasks()).toBe(1);
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: 1 });
    expect(answered(sys)).toEqual([[a, 0]]);
    expect(sys.kernel.waits.state(a)).toBe(TaskState.Ready);
    sys.clean();
  });
});

describe('exit messages', () => {
  function withFault() {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    const child = spawn(sys, 100, 101, 50);
    sys.kernel.takeEffects();
    return { sys, child };
  }

  it('one met at once leaves no record of its task, and nobody is answered but the receiver', () => {
    const { sys, child } = withFault();
    expect(sys.errno(Op.Recv, { cap: 50 })).toBe('BLOCKED');
    sys.kernel.invoke(child, { op: Op.Exit, code: 0 });
    expect(answered(sys)).toEqual([[sys.init, 0]]);
    expect(sys.kernel.waits.records.has(child)).toBe(false);
    sys.clean();
  });

  it('one queued is received later, without an answer to the ended task', () => {
    const { sys, child } = withFault();
    sys.kernel.invoke(child, { op: Op.Exit, code: 2 });
    sys.kernel.takeEffects();
    expect(sys.kernel.waits.records.has(child)).toBe(true);
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: ExitLabel.Exit });
    expect(answered(sys)).toEqual([]);
    expect(sys.kernel.waits.records.has(child)).toBe(false);
    expect(queued(sys)).toBe(0);
    sys.clean();
  });

  it('one still queued when its Endpoint is destroyed goes with it, answering nobody', () => {
    const { sys, child } = withFault();
    const free = sys.free(16);
    sys.kernel.invoke(child, { op: Op.Exit, code: 2 });
    sys.kernel.takeEffects();
    expect(sys.destroy(50)).toBe('OK');
    expect(answered(sys)).toEqual([]);
    expect(sys.kernel.waits.records.has(child)).toBe(false);
    expect(queued(sys)).toBe(0);
    expect(sys.destroy(100, 101)).toBe('OK');
    expect(sys.free(16)).toBe(free + 3); // Endpoint, Task and CSpace pages back
    sys.clean();
  });
});

describe('Reply caps', () => {
  /** init serves: the child calls Endpoint 50, init receives and stores the Reply cap in `slot`. */
  function storedReply(sys: Sys, child: number, slot: number) {
    expect(sys.kernel.invoke(child, { op: Op.Call, cap: 0, msg: { label: 7 } })).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: 7 });
    expect(sys.errno(Op.StoreReply, { dest: slot })).toBe('OK');
  }

  it('storeReply checks its destination, then that there is a call to answer', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    const child = spawn(sys, 100, 101);
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.errno(Op.StoreReply, { dest: 400 })).toBe('EPIPE');
    expect(sys.kernel.invoke(child, { op: Op.Call, cap: 0 })).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 50 })).toBeDefined();
    expect(sys.errno(Op.StoreReply, { dest: 'x' })).toBe('EBADF');
    expect(sys.errno(Op.StoreReply, { dest: 70_000 })).toBe('EBADF');
    expect(sys.errno(Op.StoreReply, { dest: 50 })).toBe('EEXIST');
    expect(sys.errno(Op.StoreReply, { dest: 400 })).toBe('OK');
    expect(sys.identify(400)).toMatchObject({ type: T.Reply });
    expect(sys.errno(Op.StoreReply, { dest: 401 })).toBe('EPIPE'); // one-shot: the hidden slot is empty now
    sys.clean();
  });

  it('a send on a stored Reply cap whose transfer the caller cannot take fails, and the cap stays for a second try', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    const child = spawn(sys, 100, 101);
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.alloc(16, T.Page, 60)).toBe('OK');
    storedReply(sys, child, 400);
    sys.kernel.takeEffects();
    expect(sys.errno(Op.Send, { cap: 400, msg: { caps: [60] } })).toBe('ENOSPC'); // the call offered no slots
    expect(answered(sys)).toEqual([]);
    expect(sys.identify(400)).toMatchObject({ type: T.Reply });
    expect(sys.errno(Op.Send, { cap: 400, msg: { label: 8 } })).toBe('OK');
    expect(answered(sys)).toEqual([[child, 0]]);
    expect(sys.identify(400)).toMatchObject({ type: T.Null });
    sys.clean();
  });

  it('a stored Reply cap of a caller that ended is EPIPE, even while its exit message waits', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.alloc(16, T.Endpoint, 51)).toBe('OK');
    const child = spawn(sys, 100, 101, 51);
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    storedReply(sys, child, 400);
    sys.kernel.invoke(child, { op: Op.Exit, code: 0 }); // its exit message queues on 51
    sys.kernel.takeEffects();
    expect(sys.errno(Op.Send, { cap: 400, msg: { label: 1 } })).toBe('EPIPE');
    expect(answered(sys)).toEqual([]);
    expect(sys.ok(Op.Recv, { cap: 51 })).toMatchObject({ label: ExitLabel.Exit });
    sys.clean();
  });

  it('a stored Reply cap does not answer a new task that took its caller\'s page', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    const first = spawn(sys, 100, 101);
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    storedReply(sys, first, 400);
    expect(sys.destroy(100, 101)).toBe('OK'); // the caller is killed
    const second = spawn(sys, 100, 101);
    expect(second).toBe(first); // first fit gives the new Task the same page
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    storedReply(sys, second, 401);
    sys.kernel.takeEffects();
    expect(sys.errno(Op.Send, { cap: 400, msg: { label: 1 } })).toBe('EPIPE');
    expect(answered(sys)).toEqual([]);
    expect(sys.errno(Op.Send, { cap: 401, msg: { label: 2 } })).toBe('OK');
    expect(answered(sys)).toEqual([[second, 0]]);
    sys.clean();
  });

  it('replyRecv answers with caps only if the Reply it holds may carry them, and so does the Reply it takes next', () => {
    for (const grant of [true, false]) {
      const sys = coreSystem();
      const server = spawn(sys, 100, 101);
      expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
      const rights = Rights.READ | Rights.WRITE | (grant ? Rights.GRANT : 0);
      expect(sys.copy({ cspace: 101, slot: 0 }, 50, { rights })).toBe('OK');
      expect(sys.alloc(16, T.Page, { cspace: 101, slot: 1 })).toBe('OK');
      expect(sys.kernel.invoke(server, { op: Op.Recv, cap: 0 })).toBeNull();
      expect(sys.errno(Op.Call, { cap: 50, slots: [200] })).toBe('BLOCKED');
      sys.kernel.takeEffects();
      const result = sys.kernel.invoke(server, { op: Op.ReplyRecv, cap: 0, msg: { caps: [1] } });
      if (grant) expect(result).toBeNull();
      else expect(result?.errno).toBe(Errno.EPERM);
      expect(answered(sys)).toEqual(grant ? [[sys.init, 0]] : []);
      // Without the caps, the refused answer goes; the receive half takes the next call on the same cap.
      if (!grant) expect(sys.kernel.invoke(server, { op: Op.ReplyRecv, cap: 0 })).toBeNull();
      sys.kernel.takeEffects();
      expect(sys.errno(Op.Call, { cap: 50, slots: [201] })).toBe('BLOCKED');
      sys.kernel.takeEffects();
      expect(sys.kernel.invoke(server, { op: Op.Reply, msg: { caps: [1] } })?.errno).toBe(grant ? 0 : Errno.EPERM);
      sys.clean();
    }
  });
});
