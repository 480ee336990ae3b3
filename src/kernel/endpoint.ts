// Endpoints (kernel.md 7): synchronous rendezvous. No message is buffered in
// the kernel: the queues are the tasks blocked sending and receiving, FIFO on
// each side, and a message is copied from the sender's IPC buffer to the
// receiver's. A `call` leaves the caller waiting for an answer; the receiver
// holds the Reply capability in a hidden per-task slot.

import { Errno, MSG_MAX_BYTES, ObjectType, Op, Rights } from './abi.ts';
import type { Core, Failure } from './core.ts';
import { lookup } from './cspace.ts';
import { PhysicalMemory } from './physical.ts';
import type { Scheduler, SyscallResult } from './sched.ts';
import { IPC_BUFFER_OFFSET, TaskState } from './tcb.ts';

/** Word offsets of a message in the IPC buffer (from the buffer's first word). */
const Msg = { Label: 0, Length: 1, Badge: 2, Caps: 3 } as const;
const DATA_OFFSET = 64;

/** Marks a task's wait for the answer to its call (blockedOn of the caller). */
export const AWAITING_ANSWER = -1;

export interface Queues {
  senders: Set<number>;
  receivers: Set<number>;
}

export interface Message {
  label: number;
  data: Uint8Array;
}

export interface Received {
  label: number;
  data: Uint8Array;
  caps: number[];
  badge: number;
}

/** Kernel-side state of Endpoints: the blocked tasks, by endpoint page. */
export class Endpoints {
  readonly queues = new Map<number, Queues>();

  constructor(
    private readonly core: Core,
    private readonly sched: Scheduler,
  ) {}

  of(endpoint: number): Queues {
    let q = this.queues.get(endpoint);
    if (!q) {
      q = { senders: new Set(), receivers: new Set() };
      this.queues.set(endpoint, q);
    }
    return q;
  }

  /** Writes a message into a task's IPC buffer. */
  store(task: number, msg: Message, badge: number): void {
    const base = ipcWord(task);
    const w = this.core.phys.words;
    w[base + Msg.Label] = msg.label;
    w[base + Msg.Length] = msg.data.length;
    w[base + Msg.Badge] = badge;
    w[base + Msg.Caps] = 0;
    this.core.phys.bytes.set(msg.data, ipcByte(task) + DATA_OFFSET);
  }

  /** Copies the message in `from`'s IPC buffer into `to`'s and reads it out. */
  transfer(from: number, to: number, badge: number): Received {
    const w = this.core.phys.words;
    const src = ipcWord(from);
    const dst = ipcWord(to);
    const length = w[src + Msg.Length];
    w[dst + Msg.Label] = w[src + Msg.Label];
    w[dst + Msg.Length] = length;
    w[dst + Msg.Badge] = badge;
    w[dst + Msg.Caps] = 0;
    const bytes = this.core.phys.bytes;
    bytes.copyWithin(ipcByte(to) + DATA_OFFSET, ipcByte(from) + DATA_OFFSET, ipcByte(from) + DATA_OFFSET + length);
    return this.read(to);
  }

  /** The badge stored with the message in a task's IPC buffer. */
  badgeOf(task: number): number {
    return this.core.phys.words[ipcWord(task) + Msg.Badge];
  }

  /** The message in a task's IPC buffer, copied out. */
  read(task: number): Received {
    const w = this.core.phys.words;
    const base = ipcWord(task);
    const length = w[base + Msg.Length];
    const start = ipcByte(task) + DATA_OFFSET;
    return { label: w[base + Msg.Label], data: this.core.phys.bytes.slice(start, start + length), caps: [], badge: w[base + Msg.Badge] };
  }

  /** Takes a task out of whatever Endpoint queue holds it. */
  unqueue(task: number, endpoint: number): void {
    const q = this.queues.get(endpoint);
    if (!q) return;
    q.senders.delete(task);
    q.receivers.delete(task);
    if (q.senders.size === 0 && q.receivers.size === 0) this.queues.delete(endpoint);
  }

  /** A dying Endpoint fails every task blocked on it with EPIPE. */
  teardown(endpoint: number): void {
    const q = this.queues.get(endpoint);
    if (!q) return;
    this.queues.delete(endpoint);
    for (const task of [...q.senders, ...q.receivers]) {
      const record = this.sched.record(task);
      if (record && this.sched.state(task) === TaskState.Blocked) this.sched.answer(task, { errno: Errno.EPIPE });
      else if (record && record.call?.op === EXIT_MESSAGE) this.sched.records.delete(task);
    }
  }
}

/** The pseudo-operation of a dead task's exit message queued on its fault Endpoint. */
export const EXIT_MESSAGE = -2;

function ipcByte(task: number): number {
  return task * 4096 + IPC_BUFFER_OFFSET;
}
function ipcWord(task: number): number {
  return PhysicalMemory.pageWord(task) + IPC_BUFFER_OFFSET / 4;
}

/** A message argument, checked: the label and the data bytes, or an errno. */
export function decodeMessage(msg: unknown): Message | Failure {
  if (msg === undefined) return { label: 0, data: new Uint8Array(0) };
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return Errno.EINVAL;
  const { label = 0, data } = msg as { label?: unknown; data?: unknown };
  if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label > 0xffffffff) return Errno.EINVAL;
  if (data === undefined) return { label, data: new Uint8Array(0) };
  if (data instanceof Uint8Array) return data.length > MSG_MAX_BYTES ? Errno.EMSGSIZE : { label, data };
  if (typeof data === 'object' && data !== null && typeof (data as { length?: unknown }).length === 'number') {
    return (data as { length: number }).length > MSG_MAX_BYTES ? Errno.EMSGSIZE : Errno.EINVAL;
  }
  return Errno.EINVAL;
}

interface SendPlan {
  endpoint: number;
  badge: number;
  msg: Message;
}

/** send / nbsend / call: the invoked Endpoint cap and the message. */
export function decodeSend(core: Core, task: number, req: Record<string, unknown>): SendPlan | Failure {
  const slots = core.slots;
  const cap = lookup(core, task, req.cap);
  if (cap === 0 || slots.type(cap) === ObjectType.Null) return Errno.EBADF;
  if (slots.type(cap) !== ObjectType.Endpoint) return Errno.ENOTSUP;
  if ((slots.rights(cap) & Rights.WRITE) === 0) return Errno.EPERM;
  const msg = decodeMessage(req.msg);
  if (typeof msg === 'number') return msg;
  return { endpoint: slots.object(cap), badge: slots.badge(cap), msg };
}

/** recv / nbrecv: the invoked Endpoint cap. */
export function decodeRecv(core: Core, task: number, req: Record<string, unknown>): { endpoint: number } | Failure {
  const slots = core.slots;
  const cap = lookup(core, task, req.cap);
  if (cap === 0 || slots.type(cap) === ObjectType.Null) return Errno.EBADF;
  if (slots.type(cap) !== ObjectType.Endpoint) return Errno.ENOTSUP;
  if ((slots.rights(cap) & Rights.READ) === 0) return Errno.EPERM;
  return { endpoint: slots.object(cap) };
}

/**
 * The IPC operations over the queues. Each returns the caller's answer now,
 * or null when the caller blocks (its answer comes later as an effect).
 */
export class Ipc {
  constructor(
    private readonly eps: Endpoints,
    private readonly sched: Scheduler,
  ) {}

  send(task: number, plan: SendPlan, req: Record<string, unknown>, blocking: boolean, isCall: boolean): SyscallResult | null {
    const q = this.eps.queues.get(plan.endpoint);
    const receiver = q ? first(q.receivers) : undefined;
    if (receiver === undefined) {
      if (!blocking) return { errno: Errno.EAGAIN };
      this.eps.store(task, plan.msg, plan.badge);
      this.eps.of(plan.endpoint).senders.add(task);
      this.sched.block(task, plan.endpoint, req);
      return null;
    }
    this.eps.unqueue(receiver, plan.endpoint);
    this.eps.store(task, plan.msg, plan.badge);
    const received = this.eps.transfer(task, receiver, plan.badge);
    if (isCall) this.awaitAnswer(task, receiver, req);
    this.sched.answer(receiver, { errno: 0, value: received });
    return isCall ? null : { errno: 0, value: undefined };
  }

  recv(task: number, endpoint: number, req: Record<string, unknown>, blocking: boolean): SyscallResult | null {
    this.dropReply(task);
    const q = this.eps.queues.get(endpoint);
    const sender = q ? first(q.senders) : undefined;
    if (sender === undefined) {
      if (!blocking) return { errno: Errno.EAGAIN };
      this.eps.of(endpoint).receivers.add(task);
      this.sched.block(task, endpoint, req);
      return null;
    }
    this.eps.unqueue(sender, endpoint);
    const record = this.sched.record(sender);
    const call = record?.call ?? null;
    const received = this.eps.transfer(sender, task, this.badgeOf(sender));
    if (call?.op === EXIT_MESSAGE) this.sched.records.delete(sender);
    else if (call?.op === Op.Call) this.awaitAnswer(sender, task, call);
    else this.sched.answer(sender, { errno: 0, value: undefined });
    return { errno: 0, value: received };
  }

  /** reply(msg): answers the caller whose Reply cap the task holds. */
  reply(task: number, msg: Message): SyscallResult {
    const record = this.sched.record(task);
    const caller = record?.replyTo ?? 0;
    if (record === undefined || caller === 0) return { errno: Errno.EPIPE };
    const waiting = this.sched.record(caller);
    if (waiting === undefined || waiting.gen !== record.replyGen || waiting.blockedOn !== AWAITING_ANSWER) {
      record.replyTo = 0;
      return { errno: Errno.EPIPE };
    }
    record.replyTo = 0;
    this.eps.store(task, msg, 0);
    const received = this.eps.transfer(task, caller, 0);
    this.sched.answer(caller, { errno: 0, value: received });
    return { errno: 0, value: undefined };
  }

  /** A task's unanswered Reply cap goes away: its caller gets EPIPE. */
  dropReply(task: number): void {
    const record = this.sched.record(task);
    if (!record || record.replyTo === 0) return;
    const caller = record.replyTo;
    record.replyTo = 0;
    const waiting = this.sched.record(caller);
    if (waiting && waiting.gen === record.replyGen && waiting.blockedOn === AWAITING_ANSWER) {
      this.sched.answer(caller, { errno: Errno.EPIPE });
    }
  }

  private awaitAnswer(caller: number, server: number, call: Record<string, unknown>): void {
    this.sched.block(caller, AWAITING_ANSWER, call);
    const record = this.sched.record(server);
    const callerRecord = this.sched.record(caller);
    if (record && callerRecord) {
      record.replyTo = caller;
      record.replyGen = callerRecord.gen;
    }
  }

  private badgeOf(sender: number): number {
    return this.eps.badgeOf(sender);
  }
}

function first(set: Set<number>): number | undefined {
  for (const v of set) return v;
  return undefined;
}
