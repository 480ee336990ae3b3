// Messages (docs/semantics.md §7, §12): how each shape of `msg`, label and
// data is decoded, which calls read landing slots, and the IPC buffer's
// words as a receiver finds them.
import { describe, expect, it } from 'vitest';
import { MSG_MAX_BYTES, ObjectType as T, Op } from '../../src/kernel/index.ts';
import { answers, coreSystem, spawn } from './harness.ts';

function pair() {
  const sys = coreSystem();
  const child = spawn(sys, 100, 101);
  expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
  expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
  expect(sys.alloc(16, T.Page, 60, { count: 3 })).toBe('OK');
  sys.kernel.takeEffects();
  return { sys, child };
}

/** Words 0-3 of a task's IPC buffer (label, data length, badge, caps count) and its first data bytes. */
function ipcBuffer(sys: ReturnType<typeof coreSystem>, task: number, bytes: number) {
  const base = task * 4096 + 1024;
  const w = sys.kernel.core.phys.words;
  return {
    words: [0, 1, 2, 3].map((k) => w[base / 4 + k]),
    data: [...sys.kernel.core.phys.bytes.subarray(base + 64, base + 64 + bytes)],
  };
}

describe('message decoding', () => {
  it('a msg that is not a plain object is EINVAL, and an empty one is a message', () => {
    const { sys } = pair();
    for (const msg of [5, 'hello', null, [], [1, 2], true]) {
      expect(sys.errno(Op.NbSend, { cap: 50, msg }), JSON.stringify(msg)).toBe('EINVAL');
    }
    expect(sys.errno(Op.NbSend, { cap: 50, msg: {} })).toBe('EAGAIN');
    expect(sys.errno(Op.NbSend, { cap: 50 })).toBe('EAGAIN');
    sys.clean();
  });

  it('a label is a u32 integer', () => {
    const { sys } = pair();
    for (const label of ['1', 1.5, -1, 2 ** 32, Number.NaN, null]) {
      expect(sys.errno(Op.NbSend, { cap: 50, msg: { label } }), String(label)).toBe('EINVAL');
    }
    for (const label of [0, 1, 0xffffffff]) expect(sys.errno(Op.NbSend, { cap: 50, msg: { label } })).toBe('EAGAIN');
  });

  it('data is a Uint8Array of at most 2048 bytes; a longer thing of another kind is EMSGSIZE, a shorter one EINVAL', () => {
    const { sys } = pair();
    const send = (data: unknown) => sys.errno(Op.NbSend, { cap: 50, msg: { data } });
    expect(send(new Uint8Array(MSG_MAX_BYTES))).toBe('EAGAIN');
    expect(send(new Uint8Array(MSG_MAX_BYTES + 1))).toBe('EMSGSIZE');
    expect(send(new Array(MSG_MAX_BYTES + 1).fill(0))).toBe('EMSGSIZE');
    expect(send({ length: MSG_MAX_BYTES + 1 })).toBe('EMSGSIZE');
    for (const data of [[1, 2], { length: 4 }, { length: MSG_MAX_BYTES }, 'x'.repeat(MSG_MAX_BYTES + 1), 'abc', null, 7, {}, { length: '5000' }]) {
      expect(send(data), JSON.stringify(data)?.slice(0, 30)).toBe('EINVAL');
    }
    sys.clean();
  });

  it('a send takes no landing slots; a call checks the ones it offers', () => {
    const { sys } = pair();
    // A send's slots are not its business: even a taken slot is ignored.
    expect(sys.errno(Op.NbSend, { cap: 50, slots: [60] })).toBe('EAGAIN');
    expect(sys.errno(Op.Call, { cap: 50, slots: [60] })).toBe('EEXIST');
    expect(sys.errno(Op.Call, { cap: 50, slots: 'x' })).toBe('EINVAL');
    expect(sys.errno(Op.Call, { cap: 50, slots: [70_000] })).toBe('EBADF');
    expect(sys.errno(Op.Call, { cap: 50, slots: [300, 300] })).toBe('EINVAL');
    sys.clean();
  });
});

describe('the IPC buffer', () => {
  it('holds the label, length, badge and caps count the receiver got, beside the data', () => {
    const { sys, child } = pair();
    expect(sys.copy(51, 50, { badge: 77 })).toBe('OK');
    // Sender first: it waits, then the child's recv copies the message over.
    expect(sys.errno(Op.Send, { cap: 51, msg: { label: 0xdeadbeef, data: new Uint8Array([9, 8, 7]), caps: [60, 61] } })).toBe('BLOCKED');
    const got = sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [10, 11] });
    expect(got).toEqual({ errno: 0, value: { label: 0xdeadbeef, data: new Uint8Array([9, 8, 7]), caps: [10, 11], badge: 77 } });
    expect(ipcBuffer(sys, child, 4)).toEqual({ words: [0xdeadbeef, 3, 77, 2], data: [9, 8, 7, 0] });

    // The sender's own buffer holds what it sent, caps count included, while it waits.
    expect(sys.errno(Op.Send, { cap: 51, msg: { label: 3, caps: [60, 61, 62] } })).toBe('BLOCKED');
    expect(ipcBuffer(sys, sys.init, 0).words).toEqual([3, 0, 77, 3]);
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [20, 21, 22] })?.errno).toBe(0);
    sys.kernel.takeEffects();

    // Receiver first: the child waits, init's send lands in it.
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [12] })).toBeNull();
    expect(sys.errno(Op.Send, { cap: 50, msg: { label: 5, data: new Uint8Array([1]), caps: [62] } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects()).at(-1)?.result).toEqual({ errno: 0, value: { label: 5, data: new Uint8Array([1]), caps: [12], badge: 0 } });
    expect(ipcBuffer(sys, child, 2)).toEqual({ words: [5, 1, 0, 1], data: [1, 8] }) // bytes past the length are stale;
    sys.clean();
  });

  it('an answer is written to the caller the same way, with badge 0', () => {
    const { sys, child } = pair();
    expect(sys.copy({ cspace: 101, slot: 1 }, 60)).toBe('OK');
    expect(sys.errno(Op.Call, { cap: 50, msg: { label: 1 }, slots: [200] })).toBe('BLOCKED');
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0 })?.errno).toBe(0);
    expect(sys.kernel.invoke(child, { op: Op.Reply, msg: { label: 2, data: new Uint8Array([4, 4]), caps: [1] } })).toEqual({ errno: 0, value: undefined });
    expect(answers(sys.kernel.takeEffects()).at(-1)?.result).toEqual({ errno: 0, value: { label: 2, data: new Uint8Array([4, 4]), caps: [200], badge: 0 } });
    expect(ipcBuffer(sys, sys.init, 2)).toEqual({ words: [2, 2, 0, 1], data: [4, 4] });
    sys.clean();
  });
});
