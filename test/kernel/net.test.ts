// The Net device in the core alone, with a scripted host: what the core asks
// of the sockets, and what each socket event decides, step by step, with the
// invariants checked after each. The real sockets are test/net/.

import { describe, expect, it } from 'vitest';
import { CONNECTION_PAGES, Errno, ObjectType, Op, PAGE_SIZE, Rights, SEND_WINDOW_BYTES } from '../../src/abi.ts';
import type { SocketHost } from '../../src/kernel/net.ts';
import { answers, coreSystem, spawn } from './harness.ts';

const ADDR = '127.0.0.1:6380';
const [L, C] = [100, 101];

/** A host that records what the core asks of it; `unsent` is what write() reports held back. */
function scriptedHost() {
  const calls: string[] = [];
  const host: SocketHost & { unsent: number } = {
    unsent: 0,
    listen: (id, h, port) => void calls.push(`listen ${id} ${h} ${port}`),
    unlisten: (id) => void calls.push(`unlisten ${id}`),
    reading: (socket, on) => void calls.push(`reading ${socket} ${on}`),
    write: (socket, bytes) => (calls.push(`write ${socket} ${bytes.length}`), host.unsent),
    end: (socket) => void calls.push(`end ${socket}`),
    close: (socket) => void calls.push(`close ${socket}`),
  };
  return { host, calls };
}

function netSystem() {
  const sys = coreSystem({ net: [ADDR] });
  const { host, calls } = scriptedHost();
  sys.kernel.net.attach(host);
  const take = () => answers(sys.kernel.takeEffects()).map((a) => (a.result.errno === 0 ? a.result.value : errnoName(a.result.errno)));
  return { sys, host, calls, take };
}

function errnoName(errno: number): string {
  return Object.keys(Errno).find((k) => Errno[k as keyof typeof Errno] === errno) as string;
}

/** A system with a bound Listener in L and a Connection for socket 7 in C. */
function connected() {
  const t = netSystem();
  const { sys } = t;
  expect(sys.errno(Op.Listen, { cap: 4, addr: ADDR, mem: 16, dest: L })).toBe('BLOCKED');
  sys.kernel.net.listening(1, 6380);
  expect(t.take()).toEqual([6380]);
  sys.kernel.net.arrived(1, 7);
  expect(sys.errno(Op.Accept, { cap: L, mem: 16, dest: C })).toBe('OK');
  return t;
}

describe('the Net device in the core', () => {
  it('listens once the host has bound, accepts a waiting client, and costs its pages', () => {
    const { sys, calls, take } = netSystem();
    const free = sys.free(16);
    expect(sys.errno(Op.Listen, { cap: 4, addr: ADDR, mem: 16, dest: L })).toBe('BLOCKED');
    expect(calls).toEqual(['listen 1 127.0.0.1 6380']);
    sys.clean();
    sys.kernel.net.listening(1, 6380);
    expect(take()).toEqual([6380]);
    expect(sys.errno(Op.Accept, { cap: L, mem: 16, dest: C })).toBe('BLOCKED');
    sys.kernel.net.arrived(1, 7);
    expect(take()).toEqual([undefined]);
    expect(calls.at(-1)).toBe('reading 7 true');
    expect(sys.identify(C)).toMatchObject({ type: ObjectType.Connection, pages: CONNECTION_PAGES, refs: 1 });
    expect(sys.free(16)).toBe(free - 1 - CONNECTION_PAGES);
    sys.clean();
    expect(sys.destroy(C, L)).toBe('OK');
    expect(calls.slice(-2)).toEqual(['close 7', 'unlisten 1']);
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });

  it('fails a listen the host cannot bind with EBUSY and takes its Listener back', () => {
    const { sys, take } = netSystem();
    const free = sys.free(16);
    sys.errno(Op.Listen, { cap: 4, addr: ADDR, mem: 16, dest: L });
    sys.kernel.net.listenFailed(1);
    expect(take()).toEqual(['EBUSY']);
    expect(sys.identify(L).type).toBe(ObjectType.Null);
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });

  it('decides a waiting accept again when its client comes: a slot filled meanwhile is EEXIST, and the client waits', () => {
    const { sys, take } = netSystem();
    sys.errno(Op.Listen, { cap: 4, addr: ADDR, mem: 16, dest: L });
    sys.kernel.net.listening(1, 6380);
    take();
    const child = spawn(sys, 200, 201);
    sys.copy({ cspace: 201, slot: 1 }, L);
    sys.copy({ cspace: 201, slot: 2 }, 16);
    expect(sys.kernel.invoke(child, { op: Op.Accept, cap: 1, mem: 2, dest: 3 })).toBeNull();
    sys.clean();
    // Init, holding the child's CSpace, fills the slot the child waits to get its Connection in.
    expect(sys.copy({ cspace: 201, slot: 3 }, 3)).toBe('OK');
    sys.kernel.net.arrived(1, 7);
    expect(take()).toEqual(['EEXIST']);
    expect(sys.kernel.net.counts()).toMatchObject({ pending: 1, connections: 0 });
    expect(sys.errno(Op.Accept, { cap: L, mem: 16, dest: C })).toBe('OK');
    expect(sys.kernel.net.counts()).toMatchObject({ pending: 0, connections: 1 });
    sys.clean();
  });

  it('keeps at most 128 clients waiting for accept; the host closes the rest', () => {
    const { sys, calls, take } = netSystem();
    sys.errno(Op.Listen, { cap: 4, addr: ADDR, mem: 16, dest: L });
    sys.kernel.net.listening(1, 6380);
    take();
    for (let s = 1; s <= 130; s++) sys.kernel.net.arrived(1, s);
    expect(calls.filter((c) => c.startsWith('close'))).toEqual(['close 129', 'close 130']);
    expect(sys.kernel.net.counts()).toEqual({ listeners: 1, connections: 0, pending: 128 });
    expect(sys.destroy(L)).toBe('OK');
    expect(calls.filter((c) => c.startsWith('close'))).toHaveLength(130);
    expect(sys.kernel.net.counts()).toEqual({ listeners: 0, connections: 0, pending: 0 });
    sys.clean();
  });

  it('fills the ring, stops reading, and starts again once it is read; ends the stream after the FIN', () => {
    const { sys, calls, take } = connected();
    const ring = CONNECTION_PAGES * PAGE_SIZE;
    expect(sys.errno(Op.NbRecvBytes, { cap: C, n: 10 })).toBe('EAGAIN');
    const chunk = new Uint8Array(ring + 100).map((_, i) => i & 0xff);
    sys.kernel.net.connections.data(7, chunk);
    expect(calls.at(-1)).toBe('reading 7 false');
    const first = sys.ok<Uint8Array>(Op.RecvBytes, { cap: C, n: 16384 });
    expect(first.length).toBe(16384);
    expect(first[300]).toBe(300 & 0xff);
    // The 100 bytes held back are in the ring now, and the socket is read again.
    expect(calls.at(-1)).toBe('reading 7 true');
    const rest = sys.ok<Uint8Array>(Op.RecvBytes, { cap: C, n: 16384 });
    expect(rest.length).toBe(100);
    expect(rest[0]).toBe(16384 & 0xff);
    expect(sys.errno(Op.RecvBytes, { cap: C, n: 10 })).toBe('BLOCKED');
    sys.clean();
    sys.kernel.net.connections.peerEnded(7);
    expect(take()).toEqual([new Uint8Array(0)]);
    expect(sys.ok<Uint8Array>(Op.RecvBytes, { cap: C, n: 10 }).length).toBe(0);
    // Half-closed: sending goes on after the client's FIN.
    expect(sys.ok(Op.SendBytes, { cap: C, bytes: new Uint8Array(5) })).toBe(5);
    sys.clean();
  });

  it('makes a sender wait while the send window is full, and lets it go at the drain', () => {
    const { sys, host, calls, take } = connected();
    host.unsent = SEND_WINDOW_BYTES + 1;
    expect(sys.ok(Op.SendBytes, { cap: C, bytes: new Uint8Array(16) })).toBe(16);
    expect(sys.errno(Op.NbSendBytes, { cap: C, bytes: new Uint8Array(16) })).toBe('EAGAIN');
    expect(sys.errno(Op.SendBytes, { cap: C, bytes: new Uint8Array(16) })).toBe('BLOCKED');
    sys.clean();
    host.unsent = 0;
    sys.kernel.net.connections.drained(7);
    expect(take()).toEqual([16]);
    expect(calls.filter((c) => c.startsWith('write'))).toEqual(['write 7 16', 'write 7 16']);
    expect(sys.errno(Op.Shutdown, { cap: C })).toBe('OK');
    expect(calls.at(-1)).toBe('end 7');
    expect(sys.errno(Op.SendBytes, { cap: C, bytes: new Uint8Array(1) })).toBe('EPIPE');
  });

  it('sendRecvBytes sends, then reads: at once, after waiting for bytes, after waiting for the send window', () => {
    const { sys, host, calls, take } = connected();
    const request = new Uint8Array([1, 2, 3]);
    // Bytes already there: the send goes out, and they are the answer.
    sys.kernel.net.connections.data(7, request);
    expect(sys.ok<Uint8Array>(Op.SendRecvBytes, { cap: C, bytes: new Uint8Array(5), n: 10 })).toEqual(request);
    expect(calls.at(-1)).toBe('write 7 5');
    // None there: sent, then it waits as a reader, and the next bytes answer it.
    expect(sys.errno(Op.SendRecvBytes, { cap: C, bytes: new Uint8Array(6), n: 2 })).toBe('BLOCKED');
    expect(calls.at(-1)).toBe('write 7 6');
    sys.clean();
    sys.kernel.net.connections.data(7, request);
    expect(take()).toEqual([new Uint8Array([1, 2])]);
    expect(sys.ok<Uint8Array>(Op.RecvBytes, { cap: C, n: 10 })).toEqual(new Uint8Array([3]));
    // The window full: nothing goes until the drain; then it sends and waits for bytes.
    host.unsent = SEND_WINDOW_BYTES + 1;
    expect(sys.ok(Op.SendBytes, { cap: C, bytes: new Uint8Array(1) })).toBe(1);
    host.unsent = 0;
    const writes = calls.length;
    expect(sys.errno(Op.SendRecvBytes, { cap: C, bytes: new Uint8Array(7), n: 10 })).toBe('BLOCKED');
    expect(calls.length).toBe(writes);
    sys.clean();
    sys.kernel.net.connections.drained(7);
    expect(calls.at(-1)).toBe('write 7 7');
    expect(take()).toEqual([]);
    sys.kernel.net.connections.data(7, request);
    expect(take()).toEqual([request]);
    // The window full and bytes already there: at the drain it sends and is answered at once.
    host.unsent = SEND_WINDOW_BYTES + 1;
    expect(sys.ok(Op.SendBytes, { cap: C, bytes: new Uint8Array(1) })).toBe(1);
    host.unsent = 0;
    expect(sys.errno(Op.SendRecvBytes, { cap: C, bytes: new Uint8Array(8), n: 10 })).toBe('BLOCKED');
    sys.kernel.net.connections.data(7, request);
    expect(take()).toEqual([]);
    sys.kernel.net.connections.drained(7);
    expect(calls.at(-1)).toBe('write 7 8');
    expect(take()).toEqual([request]);
    // The end of the stream after a send is no bytes; after shutdown nothing is sent.
    sys.kernel.net.connections.peerEnded(7);
    expect(sys.ok<Uint8Array>(Op.SendRecvBytes, { cap: C, bytes: new Uint8Array(2), n: 10 }).length).toBe(0);
    expect(sys.errno(Op.Shutdown, { cap: C })).toBe('OK');
    const before = calls.length;
    expect(sys.errno(Op.SendRecvBytes, { cap: C, bytes: new Uint8Array(2), n: 10 })).toBe('EPIPE');
    expect(calls.length).toBe(before);
    sys.clean();
  });

  it('sendRecvBytes needs READ and WRITE, bytes of at most 16 KiB and n from 1 to 16 KiB', () => {
    const { sys, calls } = connected();
    const [readOnly, writeOnly] = [110, 111];
    expect(sys.copy(readOnly, C, { rights: Rights.READ })).toBe('OK');
    expect(sys.copy(writeOnly, C, { rights: Rights.WRITE })).toBe('OK');
    const bytes = new Uint8Array(1);
    expect(sys.errno(Op.SendRecvBytes, { cap: readOnly, bytes, n: 1 })).toBe('EPERM');
    expect(sys.errno(Op.SendRecvBytes, { cap: writeOnly, bytes, n: 1 })).toBe('EPERM');
    expect(sys.errno(Op.SendRecvBytes, { cap: L, bytes, n: 1 })).toBe('ENOTSUP');
    expect(sys.errno(Op.SendRecvBytes, { cap: 999, bytes, n: 1 })).toBe('EBADF');
    expect(sys.errno(Op.SendRecvBytes, { cap: C, bytes: 'x', n: 1 })).toBe('EINVAL');
    expect(sys.errno(Op.SendRecvBytes, { cap: C, bytes: new Uint8Array(16385), n: 1 })).toBe('EINVAL');
    for (const n of [0, 16385, 1.5, -1, Number.NaN, '4', undefined]) expect(sys.errno(Op.SendRecvBytes, { cap: C, bytes, n }), String(n)).toBe('EINVAL');
    // None of those sent anything.
    expect(calls.filter((c) => c.startsWith('write'))).toEqual([]);
    sys.clean();
  });

  it('gives EPIPE to a reader on a reset, to waiters on a destroyed Connection or Listener', () => {
    const a = connected();
    expect(a.sys.errno(Op.RecvBytes, { cap: C, n: 10 })).toBe('BLOCKED');
    a.sys.kernel.net.closed(7, true);
    expect(a.take()).toEqual(['EPIPE']);
    expect(a.sys.errno(Op.SendBytes, { cap: C, bytes: new Uint8Array(1) })).toBe('EPIPE');
    a.sys.clean();

    // A Connection destroyed under a reader, a Listener under an accepter (each the child's, destroyed by init).
    const b = connected();
    const child = spawn(b.sys, 200, 201);
    b.sys.copy({ cspace: 201, slot: 1 }, L);
    b.sys.copy({ cspace: 201, slot: 2 }, 16);
    b.sys.move({ cspace: 201, slot: 4 }, C);
    expect(b.sys.kernel.invoke(child, { op: Op.RecvBytes, cap: 4, n: 10 })).toBeNull();
    b.sys.clean();
    expect(b.sys.destroy({ cspace: 201, slot: 4 })).toBe('OK');
    expect(b.take()).toEqual(['EPIPE']);
    expect(b.calls.at(-1)).toBe('close 7');
    expect(b.sys.kernel.invoke(child, { op: Op.Accept, cap: 1, mem: 2, dest: 5 })).toBeNull();
    expect(b.sys.destroy(L, { cspace: 201, slot: 1 })).toBe('OK');
    expect(b.take()).toEqual(['EPIPE']);
    expect(b.calls.at(-1)).toBe('unlisten 1');
    expect(b.sys.kernel.net.counts()).toEqual({ listeners: 0, connections: 0, pending: 0 });
    b.sys.clean();
  });
});
