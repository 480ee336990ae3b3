// The Net device (docs/semantics.md §14): boot grants it for a fixed list of
// loopback addresses, and listen(net, addr, mem, dest) makes a Listener on
// one of them. accept(listener, mem, dest) takes the next client as a
// Connection (connection.ts). Both objects are allocated from a Memory cap
// the caller names, count references like every object, and close their
// sockets when they die.
//
// The core does no I/O. The sockets live on the kernel thread's host side
// (src/host/sockets.ts), behind SocketHost; what happens to them comes back
// as the event methods below (listening, arrived, ...), each deciding at
// once, like a system call, which blocked tasks it answers. A task that waits
// for the world (a bind, a client, bytes, room to send) is queued on its
// Listener or Connection as Waiting.Net: no task can wake it, so it is never
// counted deadlocked.

import { Errno, ObjectType, objectPages, Op, Rights } from '../abi.ts';
import { invoked, lookup, resolveDest } from './cspace.ts';
import { Connections } from './connection.ts';
import { createObject } from './memory.ts';
import type { Core, Failure } from './state.ts';
import { type SyscallResult, type TaskWaits, Waiting } from './waits.ts';

/** The host's sockets, as the core drives them. Ids are the host's; none is reused. */
export interface SocketHost {
  /** Starts listening for Listener `id` on host:port; the host answers with listening() or listenFailed(). */
  listen(id: number, host: string, port: number): void;
  /** Stops listening for Listener `id`. */
  unlisten(id: number): void;
  /** Starts or stops reading socket `socket` (a socket is not read until its Connection exists). */
  reading(socket: number, on: boolean): void;
  /** Hands bytes (a copy the host may keep) to the socket; returns the bytes it now holds unsent. */
  write(socket: number, bytes: Uint8Array): number;
  /** Ends the socket's sending side (a FIN); reading goes on. */
  end(socket: number): void;
  /** Closes the socket now. */
  close(socket: number): void;
}

/** Connections a Listener keeps for accept before the host closes new ones at once. */
export const MAX_PENDING = 128;

/** The device number of the Net device (the Console is 0). */
export const NET_DEVICE = 1;

interface ListenerRecord {
  id: number;
  page: number;
  addr: string;
  /** The task blocked in listen until the host has bound the address, 0 after. */
  opener: number;
  bound: boolean;
  /** Sockets the host accepted that no accept has taken yet, oldest first. */
  pending: number[];
  accepters: Set<number>;
}

/** What an allocation for the device needs: the area, where the object goes, and its slot. */
interface Placement {
  area: number;
  start: number;
  slot: number;
}

/** The Memory argument and destination of listen and accept, checked in the order of §12, for an object of `type`. */
function decodePlacement(core: Core, task: number, mem: unknown, dest: unknown, type: number, params: () => Failure | 0): Placement | Failure {
  const m = lookup(core, task, mem);
  if (m === 0 || core.slots.type(m) !== ObjectType.Memory) return Errno.EBADF;
  if ((core.slots.rights(m) & Rights.WRITE) === 0) return Errno.EPERM;
  const bad = params();
  if (bad !== 0) return bad;
  const d = resolveDest(core, task, dest);
  if (typeof d === 'number') return d;
  if (core.slots.type(d.slot) !== ObjectType.Null) return Errno.EEXIST;
  const area = core.slots.object(m);
  const starts = core.areas.plan(area, objectPages(type), 1);
  if (starts === null) return Errno.ENOMEM;
  return { area, start: starts[0], slot: d.slot };
}

/** Makes the object a placement was checked for, with a cap of every right in its slot. */
function place(core: Core, at: Placement, type: number): number {
  createObject(core, at.area, at.start, type, objectPages(type), 0);
  core.slots.fill(at.slot, type, Rights.ALL, at.start, 0);
  return at.start;
}

/** A granted address, split: IPv4 'a.b.c.d:port' or '[::1]:port'. */
export function splitAddress(addr: string): { host: string; port: number } {
  const colon = addr.lastIndexOf(':');
  const host = addr.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(addr.slice(colon + 1)) };
}

export class NetDevice {
  /** The addresses boot granted (empty: no Net cap was made). */
  private grants: readonly string[] = [];
  private host: SocketHost | null = null;
  private nextId = 1;
  private readonly listeners = new Map<number, ListenerRecord>();
  private readonly byId = new Map<number, ListenerRecord>();
  /** Which Listener holds each pending socket. */
  private readonly pendingOf = new Map<number, ListenerRecord>();
  readonly connections: Connections;

  constructor(
    private readonly core: Core,
    private readonly waits: TaskWaits,
  ) {
    this.connections = new Connections(core, waits, () => this.host);
  }

  grant(addresses: readonly string[]): void {
    this.grants = [...addresses];
  }

  /** Connects the host's sockets; without them, listen fails with EBUSY (no host can bind). */
  attach(host: SocketHost | null): void {
    this.host = host;
  }

  /** Live Listeners and Connections (for stats and leak checks). */
  counts(): { listeners: number; connections: number; pending: number } {
    return { listeners: this.listeners.size, connections: this.connections.size, pending: this.pendingOf.size };
  }

  /** Decides a call of the device or its objects. */
  decide(task: number, req: Record<string, unknown>): SyscallResult | null {
    switch (req.op) {
      case Op.Listen:
        return this.listen(task, req);
      case Op.Accept:
      case Op.NbAccept:
        return this.accept(task, req, req.op === Op.Accept);
      default:
        return this.connections.decide(task, req);
    }
  }

  private listen(task: number, req: Record<string, unknown>): SyscallResult | null {
    const cap = invoked(this.core, task, req.cap, ObjectType.Net, Rights.READ);
    if (cap < 0) return { errno: -cap };
    const addr = req.addr;
    const at = decodePlacement(this.core, task, req.mem, req.dest, ObjectType.Listener, () => {
      if (typeof addr !== 'string') return Errno.EINVAL;
      if (!this.grants.includes(addr)) return Errno.EPERM;
      for (const l of this.listeners.values()) if (l.addr === addr) return Errno.EBUSY;
      return this.host === null ? Errno.EBUSY : 0;
    });
    if (typeof at === 'number') return { errno: at };
    const page = place(this.core, at, ObjectType.Listener);
    const record: ListenerRecord = { id: this.nextId++, page, addr: addr as string, opener: task, bound: false, pending: [], accepters: new Set() };
    this.listeners.set(page, record);
    this.byId.set(record.id, record);
    this.waits.block(task, page, Waiting.Net, req);
    const { host, port } = splitAddress(record.addr);
    this.host?.listen(record.id, host, port);
    return null;
  }

  /** The host bound a Listener's address: listen answers with the port. */
  listening(id: number, port: number): void {
    const record = this.byId.get(id);
    if (!record) return;
    record.bound = true;
    if (record.opener !== 0) this.waits.answer(record.opener, { errno: 0, value: port });
    record.opener = 0;
  }

  /** The host could not bind: listen fails with EBUSY, and the Listener it made goes again. */
  listenFailed(id: number): void {
    const record = this.byId.get(id);
    if (!record || record.bound) return;
    if (record.opener !== 0) this.waits.answer(record.opener, { errno: Errno.EBUSY });
    record.opener = 0;
    this.core.life.destroy(record.page);
  }

  private accept(task: number, req: Record<string, unknown>, block: boolean): SyscallResult | null {
    const decided = this.decodeAccept(task, req);
    if (typeof decided === 'number') return { errno: decided };
    const { record, at } = decided;
    if (record.pending.length > 0) {
      this.admit(record, at);
      return { errno: 0, value: undefined };
    }
    if (!block) return { errno: Errno.EAGAIN };
    record.accepters.add(task);
    this.waits.block(task, record.page, Waiting.Net, req);
    return null;
  }

  private decodeAccept(task: number, req: Record<string, unknown>): { record: ListenerRecord; at: Placement } | Failure {
    const cap = invoked(this.core, task, req.cap, ObjectType.Listener, Rights.READ);
    if (cap < 0) return -cap;
    const at = decodePlacement(this.core, task, req.mem, req.dest, ObjectType.Connection, () => 0);
    if (typeof at === 'number') return at;
    return { record: this.listeners.get(this.core.slots.object(cap)) as ListenerRecord, at };
  }

  /** Turns the oldest pending socket into a Connection at a checked placement. */
  private admit(record: ListenerRecord, at: Placement): void {
    const socket = record.pending.shift() as number;
    this.pendingOf.delete(socket);
    this.connections.open(place(this.core, at, ObjectType.Connection), socket);
  }

  /** A client connected to Listener `id`: the first accepter it fits takes it, or it waits (at most MAX_PENDING). */
  arrived(id: number, socket: number): void {
    const record = this.byId.get(id);
    if (!record || record.pending.length >= MAX_PENDING) {
      this.host?.close(socket);
      return;
    }
    record.pending.push(socket);
    this.pendingOf.set(socket, record);
    // Each accepter's call is decoded again now: its slots and Memory may have changed while it waited.
    for (const task of record.accepters) {
      record.accepters.delete(task);
      const call = this.waits.recordFor(task).call as Record<string, unknown>;
      const decided = this.decodeAccept(task, call);
      if (typeof decided === 'number') {
        this.waits.answer(task, { errno: decided });
        continue;
      }
      this.admit(record, decided.at);
      this.waits.answer(task, { errno: 0, value: undefined });
      return;
    }
  }

  /** A socket closed: a pending one is forgotten, an accepted one is its Connection's news. */
  closed(socket: number, broken: boolean): void {
    const record = this.pendingOf.get(socket);
    if (record) {
      this.pendingOf.delete(socket);
      record.pending.splice(record.pending.indexOf(socket), 1);
      this.host?.close(socket);
      return;
    }
    this.connections.closed(socket, broken);
  }

  /** A dying Listener stops listening, closes the clients no one accepted, and fails its waiters with EPIPE. */
  teardown(page: number): void {
    const record = this.listeners.get(page);
    if (!record) return;
    this.listeners.delete(page);
    this.byId.delete(record.id);
    this.host?.unlisten(record.id);
    for (const socket of record.pending) {
      this.pendingOf.delete(socket);
      this.host?.close(socket);
    }
    const waiting = record.opener !== 0 ? [record.opener, ...record.accepters] : [...record.accepters];
    record.accepters.clear();
    for (const task of waiting) this.waits.answer(task, { errno: Errno.EPIPE });
  }

  /** Takes a task out of the queue of the Listener or Connection it waits on. */
  unqueue(task: number, object: number): void {
    const record = this.listeners.get(object);
    if (record) {
      record.accepters.delete(task);
      if (record.opener === task) record.opener = 0;
    } else this.connections.unqueue(task, object);
  }

  /** The tasks queued on each Listener and Connection (invariant 4). */
  waiters(): Map<number, Set<number>> {
    const out = this.connections.waiters();
    for (const [page, record] of this.listeners) {
      const tasks = new Set(record.accepters);
      if (record.opener !== 0) tasks.add(record.opener);
      if (tasks.size > 0) out.set(page, tasks);
    }
    return out;
  }

  /** Closes every socket, for a system that halts (the objects stay until their memory goes). */
  closeAll(): void {
    for (const record of this.listeners.values()) {
      this.host?.unlisten(record.id);
      for (const socket of record.pending) this.host?.close(socket);
      record.pending.length = 0;
    }
    this.pendingOf.clear();
    this.connections.closeAll();
    this.host = null;
  }
}
