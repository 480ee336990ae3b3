// The task lifecycle and basic Endpoint IPC in the core (docs/semantics.md §7 and §9),
// without threads: tests act as several tasks by invoking with their pages,
// and read the effects the kernel thread would carry out.

import { describe, expect, it } from 'vitest';
import { Oversize } from '../../src/ipc/codec.ts';
import { MAX_PRINT_BYTES } from '../../src/abi.ts';
import { Errno, ExitLabel, ObjectType as T, Op, Rights, TaskState } from '../../src/kernel/index.ts';
import { answers, coreSystem, spawn } from './harness.ts';

const text = (data: unknown) => new TextDecoder().decode(data as Uint8Array);

describe('start', () => {
  it('records a start effect and makes the task ready', () => {
    const sys = coreSystem();
    sys.kernel.takeEffects();
    expect(sys.alloc(16, T.Task, 100)).toBe('OK');
    expect(sys.alloc(16, T.CSpace, 101, { size: 2 })).toBe('OK');
    expect(sys.errno(Op.Start, { cap: 100, program: 'x.js' })).toBe('EINVAL'); // not configured
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101 })).toBe('OK');
    expect(sys.errno(Op.Start, { cap: 100, program: '' })).toBe('EINVAL');
    expect(sys.errno(Op.Start, { cap: 100, program: 'x.js', thread: 'fiber' })).toBe('EINVAL');
    expect(sys.errno(Op.Start, { cap: 100, program: 'x.js', arg: { not: 'bytes' } })).toBe('EINVAL');
    const arg = new Uint8Array([1, 2, 3]);
    expect(sys.errno(Op.Start, { cap: 100, program: 'x.js', arg, thread: 'dedicated' })).toBe('OK');
    const page = sys.identify(100).phys! / 4096;
    expect(sys.kernel.takeEffects()).toEqual([{ kind: 'start', task: page, program: 'x.js', arg, thread: 'dedicated' }]);
    expect(sys.kernel.waits.state(page)).toBe(TaskState.Ready);
    expect(sys.identify(100).state).toBe('ready');
    expect(sys.errno(Op.Start, { cap: 100, program: 'x.js' })).toBe('EBUSY');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101 })).toBe('EBUSY');
    sys.clean();
  });
});

describe('endpoints', () => {
  it('send meets recv in either order, with the badge of the sender cap', () => {
    const sys = coreSystem();
    const child = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Endpoint, 102)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 102, { badge: 77 })).toBe('OK');
    sys.kernel.takeEffects();
    // Receiver first: init blocks, the child's send completes it.
    expect(sys.errno(Op.Recv, { cap: 102 })).toBe('BLOCKED');
    expect(sys.errno(Op.Identify, { cap: 0 })).toBe('EBUSY'); // one call in flight
    const data = new TextEncoder().encode('hello');
    expect(sys.kernel.invoke(child, { op: Op.Send, cap: 0, msg: { label: 5, data } })).toEqual({ errno: 0, value: undefined });
    const [ans] = answers(sys.kernel.takeEffects());
    expect(ans).toMatchObject({ task: sys.init, result: { errno: 0, value: { label: 5, badge: 77, caps: [] } } });
    expect(text((ans as { result: { value: { data: Uint8Array } } }).result.value.data)).toBe('hello');
    // Sender first: the child blocks; init's recv takes the message and completes it.
    expect(sys.kernel.invoke(child, { op: Op.Send, cap: 0, msg: { label: 6 } })).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 102 })).toMatchObject({ label: 6, badge: 77 });
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: child, result: { errno: 0, value: undefined } }]);
    // Non-blocking forms.
    expect(sys.errno(Op.NbRecv, { cap: 102 })).toBe('EAGAIN');
    expect(sys.kernel.invoke(child, { op: Op.NbSend, cap: 0 })?.errno).toBe(Errno.EAGAIN);
    sys.clean();
  });

  it('call and reply; a second call waits its turn (FIFO)', () => {
    const sys = coreSystem();
    const a = spawn(sys, 100, 101);
    const b = spawn(sys, 103, 104);
    expect(sys.alloc(16, T.Endpoint, 102)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 102, { badge: 1 })).toBe('OK');
    expect(sys.copy({ cspace: 104, slot: 0 }, 102, { badge: 2 })).toBe('OK');
    sys.kernel.takeEffects();
    expect(sys.kernel.invoke(a, { op: Op.Call, cap: 0, msg: { label: 10 } })).toBeNull();
    expect(sys.kernel.invoke(b, { op: Op.Call, cap: 0, msg: { label: 20 } })).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 102 })).toMatchObject({ label: 10, badge: 1 });
    expect(sys.errno(Op.Reply, { msg: { label: 11 } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: a, result: { errno: 0, value: { label: 11, data: new Uint8Array(0), caps: [], badge: 0 } } }]);
    expect(sys.errno(Op.Reply, { msg: { label: 11 } })).toBe('EPIPE'); // one-shot
    expect(sys.ok(Op.Recv, { cap: 102 })).toMatchObject({ label: 20, badge: 2 });
    // Receiving again drops the unanswered Reply cap: its caller gets EPIPE.
    expect(sys.errno(Op.NbRecv, { cap: 102 })).toBe('EAGAIN');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: b, result: { errno: Errno.EPIPE } }]);
    sys.clean();
  });

  it('checks rights, message size and label', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 102)).toBe('OK');
    expect(sys.copy(103, 102, { rights: Rights.READ })).toBe('OK');
    expect(sys.copy(104, 102, { rights: Rights.WRITE })).toBe('OK');
    expect(sys.errno(Op.Send, { cap: 103 })).toBe('EPERM');
    expect(sys.errno(Op.Recv, { cap: 104 })).toBe('EPERM');
    expect(sys.errno(Op.NbSend, { cap: 104, msg: { data: new Uint8Array(2049) } })).toBe('EMSGSIZE');
    expect(sys.errno(Op.NbSend, { cap: 104, msg: { data: new Uint8Array(2048) } })).toBe('EAGAIN');
    expect(sys.errno(Op.NbSend, { cap: 104, msg: { label: -1 } })).toBe('EINVAL');
    expect(sys.errno(Op.NbSend, { cap: 104, msg: { data: 'not bytes' } })).toBe('EINVAL');
    expect(sys.errno(Op.Send, { cap: 16 })).toBe('ENOTSUP');
  });

  it('an Endpoint destroyed under blocked tasks fails each with EPIPE', () => {
    const sys = coreSystem();
    const tasks = Array.from({ length: 5 }, (_, i) => spawn(sys, 200 + 2 * i, 201 + 2 * i));
    expect(sys.alloc(16, T.Endpoint, 102)).toBe('OK');
    for (let i = 0; i < 5; i++) expect(sys.copy({ cspace: 201 + 2 * i, slot: 0 }, 102)).toBe('OK');
    sys.kernel.takeEffects();
    tasks.forEach((t) => expect(sys.kernel.invoke(t, { op: Op.Recv, cap: 0 })).toBeNull());
    // Revoke: destroy every cap to it (each child's CSpace copy, then init's).
    for (let i = 0; i < 5; i++) expect(sys.destroy({ cspace: 201 + 2 * i, slot: 0 })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())).toEqual([]);
    expect(sys.destroy(102)).toBe('OK');
    const got = answers(sys.kernel.takeEffects());
    expect(got.map((e) => (e as { task: number }).task).sort()).toEqual([...tasks].sort());
    for (const e of got) expect((e as { result: { errno: number } }).result.errno).toBe(Errno.EPIPE);
    sys.clean();
  });
});

describe('exit, faults and kills', () => {
  it('an exit message waits on the fault Endpoint as if from a blocked sender', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy(51, 50, { badge: 9 })).toBe('OK');
    const child = spawn(sys, 100, 101, 51);
    expect(sys.identify(50).refs).toBe(3);
    sys.kernel.takeEffects();
    const fault = { name: 'TypeError', message: 'boom' };
    expect(sys.kernel.invoke(child, { op: Op.Exit, code: 3, fault })).toEqual({ errno: 0, value: undefined });
    expect(sys.kernel.takeEffects()).toEqual([{ kind: 'exit', task: child, code: 3, value: undefined, fault, heard: true }]);
    expect(sys.identify(50).refs).toBe(2); // the fault binding is gone
    expect(sys.identify(101).refs).toBe(1); // so is the CSpace binding
    const msg = sys.ok<{ label: number; badge: number; data: Uint8Array }>(Op.Recv, { cap: 50 });
    expect(msg).toMatchObject({ label: ExitLabel.Fault, badge: 9 });
    expect(JSON.parse(text(msg.data))).toEqual({ task: child * 4096, code: 3, error: 'TypeError: boom' });
    expect(sys.kernel.waits.state(child)).toBe(TaskState.Exited);
    sys.clean();
  });

  it('an exit message of a long fault keeps within 2048 bytes of data, the text cut with an ellipsis (issue 8)', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    const child = spawn(sys, 100, 101, 50);
    // Without the cut, 30000 bytes would run past the child's IPC buffer into the next page.
    const fault = { name: 'Error', message: `cannot load ${'/very/long/path'.repeat(200)} \u00e9${'\u00e9'.repeat(10_000)}` };
    const next = sys.identify(100).phys as number;
    const after = new Uint8Array(sys.kernel.core.phys.bytes.buffer, next + 4096, 4096).slice();
    expect(sys.kernel.invoke(child, { op: Op.Exit, code: 1, fault })).toEqual({ errno: 0, value: undefined });
    expect(new Uint8Array(sys.kernel.core.phys.bytes.buffer, next + 4096, 4096)).toEqual(after);
    const msg = sys.ok<{ data: Uint8Array }>(Op.Recv, { cap: 50 });
    expect(msg.data.length).toBeLessThanOrEqual(2048);
    const body = JSON.parse(text(msg.data)) as { error: string };
    expect(body.error.startsWith('Error: cannot load /very/long/path')).toBe(true);
    expect(body.error.endsWith('\u2026')).toBe(true);
    sys.clean();
  });

  it('an exit with a receiver already waiting answers it at once', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    const child = spawn(sys, 100, 101, 50);
    expect(sys.errno(Op.Recv, { cap: 50 })).toBe('BLOCKED');
    sys.kernel.takeEffects();
    sys.kernel.invoke(child, { op: Op.Exit, code: 0 });
    const [ans] = answers(sys.kernel.takeEffects());
    expect(ans).toMatchObject({ task: sys.init, result: { errno: 0, value: { label: ExitLabel.Exit } } });
    sys.clean();
  });

  it('destroying the Task of a running task kills it and frees what it held', () => {
    const sys = coreSystem();
    const free = sys.free(16);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    const child = spawn(sys, 100, 101);
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.destroy(101)).toBe('OK'); // the child's CSpace lives on through its binding
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0 })).toBeNull();
    sys.kernel.takeEffects();
    expect(sys.destroy(100)).toBe('OK');
    expect(sys.kernel.takeEffects()).toEqual([{ kind: 'kill', task: child }]);
    expect(sys.identify(50).refs).toBe(1);
    expect(sys.destroy(50)).toBe('OK');
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });
});

describe('suspend and resume', () => {
  it('a suspended task makes no progress; its call runs on resume', () => {
    const sys = coreSystem();
    const child = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    sys.kernel.takeEffects();
    expect(sys.errno(Op.Suspend, { cap: 100 })).toBe('OK');
    expect(sys.errno(Op.Suspend, { cap: 100 })).toBe('EBUSY');
    expect(sys.kernel.invoke(child, { op: Op.Identify, cap: 0 })).toBeNull();
    expect(sys.kernel.invoke(child, { op: Op.Identify, cap: 0 })?.errno).toBe(Errno.EBUSY);
    expect(sys.kernel.takeEffects()).toEqual([]);
    expect(sys.errno(Op.Resume, { cap: 100 })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())).toEqual([
      { kind: 'answer', task: child, result: { errno: 0, value: expect.objectContaining({ type: T.Endpoint }) } },
    ]);
    expect(sys.errno(Op.Resume, { cap: 100 })).toBe('EBUSY');
  });

  it('a task blocked in recv leaves the queue while suspended and restarts its recv', () => {
    const sys = coreSystem();
    const child = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0 })).toBeNull();
    expect(sys.errno(Op.Suspend, { cap: 100 })).toBe('OK');
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { label: 1 } })).toBe('EAGAIN'); // nobody receives now
    sys.kernel.takeEffects();
    expect(sys.errno(Op.Resume, { cap: 100 })).toBe('OK');
    expect(sys.kernel.takeEffects()).toEqual([]); // blocked again in recv
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { label: 2 } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())[0]).toMatchObject({ task: child, result: { value: { label: 2 } } });
    sys.clean();
  });

  it('an answer that arrives while suspended is held until resume', () => {
    const sys = coreSystem();
    const child = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    expect(sys.kernel.invoke(child, { op: Op.Call, cap: 0, msg: { label: 1 } })).toBeNull();
    expect(sys.ok(Op.Recv, { cap: 50 })).toMatchObject({ label: 1 });
    expect(sys.errno(Op.Suspend, { cap: 100 })).toBe('OK');
    expect(sys.errno(Op.Reply, { msg: { label: 9 } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())).toEqual([]);
    expect(sys.errno(Op.Resume, { cap: 100 })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())[0]).toMatchObject({ task: child, result: { value: { label: 9 } } });
  });
});

describe('console', () => {
  it('prints through a Console cap with WRITE', () => {
    const sys = coreSystem();
    sys.kernel.takeEffects();
    expect(sys.errno(Op.Print, { cap: 3, text: 'hi' })).toBe('OK');
    expect(sys.kernel.takeEffects()).toEqual([{ kind: 'print', task: sys.init, text: 'hi' }]);
    expect(sys.copy(100, 3, { rights: Rights.READ })).toBe('OK');
    expect(sys.errno(Op.Print, { cap: 100, text: 'hi' })).toBe('EPERM');
    expect(sys.errno(Op.Print, { cap: 3, text: 42 })).toBe('EINVAL');
    expect(sys.errno(Op.Print, { cap: 16, text: 'hi' })).toBe('ENOTSUP');
  });

  it('takes text of up to MAX_PRINT_BYTES of UTF-8, and EINVAL past it after the checks of the cap', () => {
    const sys = coreSystem();
    expect(sys.errno(Op.Print, { cap: 3, text: '\u00e9'.repeat(MAX_PRINT_BYTES / 2) })).toBe('OK');
    expect(sys.errno(Op.Print, { cap: 3, text: `${'\u00e9'.repeat(MAX_PRINT_BYTES / 2)}!` })).toBe('EINVAL');
    expect(sys.errno(Op.Print, { cap: 3, text: `${'\u{1f600}'.repeat(MAX_PRINT_BYTES / 4)}` })).toBe('OK');
    expect(sys.errno(Op.Print, { cap: 3, text: new Oversize(1e6) })).toBe('EINVAL');
    expect(sys.errno(Op.Print, { cap: 9999, text: new Oversize(1e6) })).toBe('EBADF');
    expect(sys.errno(Op.Print, { cap: 16, text: new Oversize(1e6) })).toBe('ENOTSUP');
  });
});
