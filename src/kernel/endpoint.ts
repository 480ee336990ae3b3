// Endpoints (docs/semantics.md §7): synchronous rendezvous. No message is buffered in
// the kernel: the queues are the tasks blocked sending and receiving, FIFO on
// each side, and a message is copied from the sender's IPC buffer to the
// receiver's. A `call` leaves the caller waiting for an answer; the receiver
// holds the Reply capability in a hidden per-task slot.

import { Errno, ObjectType, Op, physOf, Rights } from '../abi.ts';
import type { Core, Failure } from './state.ts';
import { cspaceOf, resolveDest } from './cspace.ts';
import { decodeReply, type Message, type RecvPlan, type ReplyRecvPlan, type SendPlan } from './message.ts';
import { PhysicalMemory } from './physical.ts';
import type { Scheduler, SyscallResult, TaskRecord } from './sched.ts';
import { type Attached, performTransfer, planTransfer } from './transfer.ts';
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
  return physOf(task) + IPC_BUFFER_OFFSET;
}
function ipcWord(task: number): number {
  return PhysicalMemory.pageWord(task) + IPC_BUFFER_OFFSET / 4;
}

const OK: SyscallResult = Object.freeze({ errno: 0, value: undefined });

/**
 * The IPC operations over the queues. Each returns the caller's answer now,
 * or null when the caller blocks (its answer comes later as an effect).
 */
export class Ipc {
  constructor(
    private readonly core: Core,
    private readonly eps: Endpoints,
    private readonly sched: Scheduler,
  ) {}

  private record(task: number): TaskRecord {
    return (this.sched.record(task) ?? this.sched.admit(task)) as TaskRecord;
  }

  /** Delivers a message with its caps from `sender` to `receiver`, or says why not. */
  private deliver(sender: number, attached: Attached[], receiver: number, landing: number[], badge: number): Received | { failure: Failure; receiverAtFault: boolean } {
    const plan = planTransfer(this.core, sender, attached, landing);
    if ('failure' in plan) return plan;
    const received = this.eps.transfer(sender, receiver, badge);
    received.caps = performTransfer(this.core, plan, cspaceOf(this.core, receiver));
    this.core.onDeliver?.(sender, receiver);
    return received;
  }

  send(task: number, plan: SendPlan, req: Record<string, unknown>, blocking: boolean, isCall: boolean): SyscallResult | null {
    if (plan.reply !== 0) return this.sendOnReply(task, plan);
    this.eps.store(task, plan.msg, plan.badge);
    const mine = this.record(task);
    mine.landing = plan.landing;
    for (;;) {
      const q = this.eps.queues.get(plan.endpoint);
      const receiver = q ? first(q.receivers) : undefined;
      if (receiver === undefined) {
        if (!blocking) return { errno: Errno.EAGAIN };
        mine.attached = plan.attached;
        this.eps.of(plan.endpoint).senders.add(task);
        this.sched.block(task, plan.endpoint, req);
        return null;
      }
      const theirs = this.record(receiver);
      const got = this.deliver(task, plan.attached, receiver, theirs.landing, plan.badge);
      if ('failure' in got) {
        if (!got.receiverAtFault) return { errno: got.failure };
        this.eps.unqueue(receiver, plan.endpoint);
        this.sched.answer(receiver, { errno: got.failure });
        continue;
      }
      this.eps.unqueue(receiver, plan.endpoint);
      if (isCall) this.awaitAnswer(task, receiver, req, theirs.grant);
      this.sched.answer(receiver, { errno: 0, value: got });
      return isCall ? null : OK;
    }
  }

  recv(task: number, plan: RecvPlan, req: Record<string, unknown>, blocking: boolean): SyscallResult | null {
    this.dropReply(task);
    for (;;) {
      const q = this.eps.queues.get(plan.endpoint);
      const sender = q ? first(q.senders) : undefined;
      if (sender === undefined) {
        if (!blocking) return { errno: Errno.EAGAIN };
        const mine = this.record(task);
        mine.landing = plan.landing;
        mine.grant = plan.grant;
        this.eps.of(plan.endpoint).receivers.add(task);
        this.sched.block(task, plan.endpoint, req);
        return null;
      }
      const theirs = this.record(sender);
      const call = theirs.call;
      const exitMessage = call?.op === EXIT_MESSAGE;
      const got = this.deliver(sender, exitMessage ? [] : theirs.attached, task, plan.landing, this.eps.badgeOf(sender));
      this.eps.unqueue(sender, plan.endpoint);
      if ('failure' in got) {
        // The sender's transfer cannot be made (its caps are gone, too many, a count would pass 256).
        this.sched.answer(sender, { errno: got.failure });
        continue;
      }
      if (exitMessage) this.sched.records.delete(sender);
      else if (call?.op === Op.Call) this.awaitAnswer(sender, task, call, plan.grant);
      else this.sched.answer(sender, OK);
      return { errno: 0, value: got };
    }
  }

  /** reply(msg): answers the caller whose Reply cap the task holds in its hidden slot. */
  reply(task: number, req: Record<string, unknown>): SyscallResult {
    const mine = this.sched.record(task);
    const decoded = decodeReply(this.core, task, req, mine?.replyGrant ?? false);
    if (typeof decoded === 'number') return { errno: decoded };
    const caller = mine?.replyTo ?? 0;
    if (mine === undefined || caller === 0 || !this.awaiting(caller, mine.replyGen)) {
      if (mine) mine.replyTo = 0;
      return { errno: Errno.EPIPE };
    }
    const result = this.answerCaller(task, caller, decoded.msg, decoded.attached);
    if (result.errno === 0) mine.replyTo = 0;
    return result;
  }

  /**
   * replyRecv(ep, msg, { slots }): answers the caller whose Reply cap the
   * task holds, then receives on `ep` (seL4's ReplyRecv). With nobody to
   * answer (no call taken yet, or the caller is gone) the message is dropped
   * and the receive goes ahead. A transfer the caller cannot take (ENOSPC,
   * ERANGE) fails the whole call, changing nothing: the Reply cap is kept.
   */
  replyRecv(task: number, plan: ReplyRecvPlan, req: Record<string, unknown>): SyscallResult | null {
    const mine = this.sched.record(task);
    const caller = mine?.replyTo ?? 0;
    if (mine === undefined || caller === 0 || !this.awaiting(caller, mine.replyGen)) return this.recv(task, plan.recv, req, true);
    const answered = this.answerCaller(task, caller, plan.reply.msg, plan.reply.attached);
    if (answered.errno !== 0) return answered;
    mine.replyTo = 0;
    // Should the task be suspended while it waits, only the receive is
    // restarted on resume: the answer has gone.
    return this.recv(task, plan.recv, { op: Op.Recv, cap: req.cap, slots: req.slots }, true);
  }

  /**
   * Whether replyRecv's answer from `task` may carry caps: if the Reply cap
   * it holds may; with nobody to answer the answer is dropped, caps and all.
   */
  replyGrant(task: number): boolean {
    const mine = this.sched.record(task);
    if (mine === undefined || mine.replyTo === 0 || !this.awaiting(mine.replyTo, mine.replyGen)) return true;
    return mine.replyGrant;
  }

  /** storeReply(dest): moves the hidden Reply cap into a slot, to answer later by send. */
  storeReply(task: number, req: Record<string, unknown>): SyscallResult {
    const dest = resolveDest(this.core, task, req.dest);
    if (typeof dest === 'number') return { errno: dest };
    if (this.core.slots.type(dest.slot) !== ObjectType.Null) return { errno: Errno.EEXIST };
    const mine = this.sched.record(task);
    const caller = mine?.replyTo ?? 0;
    if (mine === undefined || caller === 0 || !this.awaiting(caller, mine.replyGen)) return { errno: Errno.EPIPE };
    const rights = Rights.READ | Rights.WRITE | (mine.replyGrant ? Rights.GRANT : 0);
    this.core.slots.fill(dest.slot, ObjectType.Reply, rights, caller, mine.replyGen);
    mine.replyTo = 0;
    return OK;
  }

  /** send on a stored Reply cap: one-shot; EPIPE (changing nothing) if the caller is gone. */
  private sendOnReply(task: number, plan: SendPlan): SyscallResult {
    const slots = this.core.slots;
    const caller = slots.object(plan.reply);
    if (!this.awaiting(caller, slots.badge(plan.reply))) return { errno: Errno.EPIPE };
    const result = this.answerCaller(task, caller, plan.msg, plan.attached);
    if (result.errno === 0) slots.clear(plan.reply);
    return result;
  }

  private answerCaller(task: number, caller: number, msg: Message, attached: Attached[]): SyscallResult {
    const theirs = this.record(caller);
    const plan = planTransfer(this.core, task, attached, theirs.landing);
    if ('failure' in plan) return { errno: plan.failure };
    this.eps.store(task, msg, 0);
    const received = this.eps.transfer(task, caller, 0);
    received.caps = performTransfer(this.core, plan, cspaceOf(this.core, caller));
    this.core.onDeliver?.(task, caller);
    this.sched.answer(caller, { errno: 0, value: received });
    return OK;
  }

  /** Whether `caller` still waits for the answer its Reply cap of generation `gen` promises. */
  private awaiting(caller: number, gen: number): boolean {
    const record = this.sched.record(caller);
    return record !== undefined && record.gen === gen && record.blockedOn === AWAITING_ANSWER;
  }

  /** A task's unanswered hidden Reply cap goes away: its caller gets EPIPE. */
  dropReply(task: number): void {
    const record = this.sched.record(task);
    if (!record || record.replyTo === 0) return;
    const caller = record.replyTo;
    record.replyTo = 0;
    this.replyDropped(caller, record.replyGen);
  }

  /** A Reply cap (hidden or stored) was dropped unanswered. */
  replyDropped(caller: number, gen: number): void {
    if (this.awaiting(caller, gen)) this.sched.answer(caller, { errno: Errno.EPIPE });
  }

  private awaitAnswer(caller: number, server: number, call: Record<string, unknown>, grant: boolean): void {
    this.sched.block(caller, AWAITING_ANSWER, call);
    const record = this.record(server);
    record.replyTo = caller;
    record.replyGen = this.record(caller).gen;
    record.replyGrant = grant;
  }
}

function first(set: Set<number>): number | undefined {
  for (const v of set) return v;
  return undefined;
}
