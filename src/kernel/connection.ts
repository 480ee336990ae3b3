// Connections (docs/semantics.md §14): one accepted TCP connection each. The
// Connection's pages are its receive buffer, a ring in physical memory: the
// host copies what arrives into it, and recvBytes copies out of it into the
// caller's answer. When the ring is full the host stops reading the socket
// (holding at most the one chunk that did not fit), so a slow reader holds
// back its client instead of growing the host's memory. Sending goes the
// other way: sendBytes hands a copy of the caller's bytes to the host,
// and waits while the host holds more than SEND_WINDOW_BYTES unsent.
// sendRecvBytes is a sendBytes and then a recvBytes in one call: a server's
// answer and its wait for the client's next request, one kernel entry.
//
// End of stream: once the peer has sent its FIN and the ring is drained,
// recvBytes answers with no bytes. A reset (or a socket that closed without
// a FIN) is EPIPE once the ring is drained, and so is sending to a socket
// that is closed or that shutdown ended.

import { CONNECTION_PAGES, Errno, MAX_COPY_BYTES, ObjectType, Op, PAGE_SIZE, physOf, Rights, SEND_WINDOW_BYTES } from '../abi.ts';
import { invoked, isInteger } from './cspace.ts';
import type { SocketHost } from './net.ts';
import type { Core } from './state.ts';
import { type SyscallResult, type TaskWaits, Waiting } from './waits.ts';

const RING_BYTES = CONNECTION_PAGES * PAGE_SIZE;
const OK: SyscallResult = Object.freeze({ errno: 0, value: undefined });
const NO_BYTES = new Uint8Array(0);

interface ConnectionRecord {
  page: number;
  socket: number;
  /** Ring offset of the first unread byte, and bytes unread. */
  head: number;
  count: number;
  /** Bytes that arrived when the ring had no room for them: the socket is not read while any wait. */
  spill: Uint8Array | null;
  /** The peer sent its FIN. */
  peerEnded: boolean;
  /** The socket is gone; `broken` when it went without a FIN (reset, error). */
  closed: boolean;
  broken: boolean;
  /** shutdown ended our sending side. */
  shut: boolean;
  /** Bytes the host held unsent after the last write (0 after a drain). */
  unsent: number;
  readers: Set<number>;
  writers: Set<number>;
}

export class Connections {
  private readonly byPage = new Map<number, ConnectionRecord>();
  private readonly bySocket = new Map<number, ConnectionRecord>();

  constructor(
    private readonly core: Core,
    private readonly waits: TaskWaits,
    private readonly host: () => SocketHost | null,
  ) {}

  get size(): number {
    return this.byPage.size;
  }

  /** A Connection object was just made at `page` for host socket `socket`: start reading it. */
  open(page: number, socket: number): void {
    const record: ConnectionRecord = {
      page,
      socket,
      head: 0,
      count: 0,
      spill: null,
      peerEnded: false,
      closed: false,
      broken: false,
      shut: false,
      unsent: 0,
      readers: new Set(),
      writers: new Set(),
    };
    this.byPage.set(page, record);
    this.bySocket.set(socket, record);
    this.host()?.reading(socket, true);
  }

  decide(task: number, req: Record<string, unknown>): SyscallResult | null {
    switch (req.op) {
      case Op.RecvBytes:
      case Op.NbRecvBytes: {
        const cap = invoked(this.core, task, req.cap, ObjectType.Connection, Rights.READ);
        if (cap < 0) return { errno: -cap };
        const n = req.n;
        if (!isInteger(n) || n < 1 || n > MAX_COPY_BYTES) return { errno: Errno.EINVAL };
        const record = this.of(cap);
        const now = this.received(record, n);
        if (now !== null) return now;
        if (req.op === Op.NbRecvBytes) return { errno: Errno.EAGAIN };
        record.readers.add(task);
        this.waits.block(task, record.page, Waiting.Net, req);
        return null;
      }
      case Op.SendBytes:
      case Op.NbSendBytes:
      case Op.SendRecvBytes: {
        const both = req.op === Op.SendRecvBytes;
        const cap = invoked(this.core, task, req.cap, ObjectType.Connection, both ? Rights.READ | Rights.WRITE : Rights.WRITE);
        if (cap < 0) return { errno: -cap };
        const bytes = req.bytes;
        if (!(bytes instanceof Uint8Array) || bytes.length > MAX_COPY_BYTES) return { errno: Errno.EINVAL };
        if (both && (!isInteger(req.n) || req.n < 1 || req.n > MAX_COPY_BYTES)) return { errno: Errno.EINVAL };
        const record = this.of(cap);
        if (record.shut || record.closed) return { errno: Errno.EPIPE };
        // Senders go in turn: one waiting holds back the next.
        if (record.unsent <= SEND_WINDOW_BYTES && record.writers.size === 0) return both ? this.sentThenReceived(task, record, req) : this.sent(record, bytes);
        if (req.op === Op.NbSendBytes) return { errno: Errno.EAGAIN };
        record.writers.add(task);
        this.waits.block(task, record.page, Waiting.Net, req);
        return null;
      }
      case Op.Shutdown: {
        const cap = invoked(this.core, task, req.cap, ObjectType.Connection, Rights.WRITE);
        if (cap < 0) return { errno: -cap };
        const record = this.of(cap);
        if (!record.shut && !record.closed) this.host()?.end(record.socket);
        record.shut = true;
        this.failAll(record.writers);
        return OK;
      }
      default:
        return null as never;
    }
  }

  private of(slot: number): ConnectionRecord {
    return this.byPage.get(this.core.slots.object(slot)) as ConnectionRecord;
  }

  /** What a read of at most `n` bytes gets now: bytes, the end of the stream, EPIPE; null when it must wait. */
  private received(record: ConnectionRecord, n: number): SyscallResult | null {
    if (record.count > 0) return { errno: 0, value: this.take(record, n) };
    if (record.peerEnded) return { errno: 0, value: NO_BYTES };
    if (record.closed) return { errno: Errno.EPIPE };
    return null;
  }

  /** Copies up to `n` bytes out of the ring, then lets what was held back in. */
  private take(record: ConnectionRecord, n: number): Uint8Array {
    const bytes = this.core.phys.bytes;
    const base = physOf(record.page);
    const length = Math.min(n, record.count);
    const out = new Uint8Array(length);
    const first = Math.min(length, RING_BYTES - record.head);
    out.set(bytes.subarray(base + record.head, base + record.head + first));
    if (first < length) out.set(bytes.subarray(base, base + length - first), first);
    record.head = (record.head + length) % RING_BYTES;
    record.count -= length;
    if (record.spill !== null) {
      const rest = this.store(record, record.spill);
      record.spill = rest.length > 0 ? rest : null;
      if (record.spill === null && !record.closed) this.host()?.reading(record.socket, true);
    }
    return out;
  }

  /** Copies as much of `chunk` into the ring as fits; returns what did not. */
  private store(record: ConnectionRecord, chunk: Uint8Array): Uint8Array {
    const bytes = this.core.phys.bytes;
    const base = physOf(record.page);
    const length = Math.min(chunk.length, RING_BYTES - record.count);
    const tail = (record.head + record.count) % RING_BYTES;
    const first = Math.min(length, RING_BYTES - tail);
    bytes.set(chunk.subarray(0, first), base + tail);
    if (first < length) bytes.set(chunk.subarray(first, length), base);
    record.count += length;
    return chunk.subarray(length);
  }

  private sent(record: ConnectionRecord, bytes: Uint8Array): SyscallResult {
    const host = this.host();
    if (host === null) return { errno: Errno.EPIPE };
    record.unsent = host.write(record.socket, bytes.slice());
    return { errno: 0, value: bytes.length };
  }

  /**
   * sendRecvBytes once its bytes may go: sends them, then answers what a
   * recvBytes would, or waits as a reader (null). `waiting`: the task is
   * blocked on the Connection already (it waited to send), and stays so.
   */
  private sentThenReceived(task: number, record: ConnectionRecord, call: Record<string, unknown>, waiting = false): SyscallResult | null {
    const sent = this.sent(record, call.bytes as Uint8Array);
    if (sent.errno !== 0) return sent;
    const now = this.received(record, call.n as number);
    if (now !== null) return now;
    record.readers.add(task);
    if (!waiting) this.waits.block(task, record.page, Waiting.Net, call);
    return null;
  }

  /** Bytes arrived on a socket: into the ring, then to the readers waiting. */
  data(socket: number, chunk: Uint8Array): void {
    const record = this.bySocket.get(socket);
    if (!record || record.closed) return;
    if (record.spill !== null) {
      // A chunk the host read before it heard to stop: it waits with the other.
      const both = new Uint8Array(record.spill.length + chunk.length);
      both.set(record.spill);
      both.set(chunk, record.spill.length);
      record.spill = both;
    } else {
      const rest = this.store(record, chunk);
      if (rest.length > 0) {
        record.spill = rest.slice();
        this.host()?.reading(socket, false);
      }
    }
    this.wakeReaders(record);
  }

  /** The peer sent its FIN. */
  peerEnded(socket: number): void {
    const record = this.bySocket.get(socket);
    if (!record) return;
    record.peerEnded = true;
    this.wakeReaders(record);
  }

  /** The host's unsent bytes went out: the waiting senders go, in turn, while the window has room. */
  drained(socket: number): void {
    const record = this.bySocket.get(socket);
    if (!record) return;
    record.unsent = 0;
    for (const task of record.writers) {
      if (record.unsent > SEND_WINDOW_BYTES) return;
      record.writers.delete(task);
      const call = this.waits.recordFor(task).call as Record<string, unknown>;
      if (call.op !== Op.SendRecvBytes) {
        this.waits.answer(task, this.sent(record, call.bytes as Uint8Array));
        continue;
      }
      // Sent: the call goes on as a read, answered now or waiting among the readers.
      const now = this.sentThenReceived(task, record, call, true);
      if (now !== null) this.waits.answer(task, now);
    }
  }

  /** A socket closed (`broken`: without the peer's FIN). Its Connection lives on until its last cap goes. */
  closed(socket: number, broken: boolean): void {
    const record = this.bySocket.get(socket);
    if (!record || record.closed) return;
    record.closed = true;
    record.broken = broken && !record.peerEnded;
    this.failAll(record.writers);
    this.wakeReaders(record);
  }

  private wakeReaders(record: ConnectionRecord): void {
    for (const task of record.readers) {
      const call = this.waits.recordFor(task).call as { n: number };
      const now = this.received(record, call.n);
      if (now === null) return;
      record.readers.delete(task);
      this.waits.answer(task, now);
    }
  }

  private failAll(tasks: Set<number>): void {
    for (const task of tasks) this.waits.answer(task, { errno: Errno.EPIPE });
    tasks.clear();
  }

  /** A dying Connection closes its socket and fails its waiters with EPIPE. */
  teardown(page: number): void {
    const record = this.byPage.get(page);
    if (!record) return;
    this.byPage.delete(page);
    this.bySocket.delete(record.socket);
    if (!record.closed) this.host()?.close(record.socket);
    record.closed = true;
    this.failAll(record.readers);
    this.failAll(record.writers);
  }

  /** Whether `object` is a Connection this module keeps. */
  has(object: number): boolean {
    return this.byPage.has(object);
  }

  unqueue(task: number, object: number): void {
    const record = this.byPage.get(object);
    if (!record) return;
    record.readers.delete(task);
    record.writers.delete(task);
  }

  waiters(): Map<number, Set<number>> {
    const out = new Map<number, Set<number>>();
    for (const [page, record] of this.byPage) {
      if (record.readers.size + record.writers.size > 0) out.set(page, new Set([...record.readers, ...record.writers]));
    }
    return out;
  }

  /** Closes every socket (a halting system); the objects stay, their sockets gone. */
  closeAll(): void {
    for (const record of this.byPage.values()) {
      if (!record.closed) this.host()?.close(record.socket);
      record.closed = true;
    }
  }
}
