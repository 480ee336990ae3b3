// Endpoints (docs/semantics.md §7): synchronous rendezvous. No message is
// buffered in the kernel: the queues are the tasks blocked sending and
// receiving, FIFO on each side, and a message is copied from the sender's
// IPC buffer to the receiver's (message.ts). A `call` that meets its
// receiver leaves the caller waiting for an answer, whose Reply cap the
// receiver then holds (reply.ts).

import { Errno, Op } from '../abi.ts';
import { cspaceOf } from './cspace.ts';
import { copyMessage, messageBadge, type Received, type RecvPlan, type ReplyRecvPlan, type SendPlan, storeMessage } from './message.ts';
import type { Replies } from './reply.ts';
import { type SyscallResult, type TaskWaits, Waiting, type WaitingKind } from './waits.ts';
import type { Core, Failure } from './state.ts';
import { TaskState } from './tcb.ts';
import { type Attached, performTransfer, planTransfer } from './transfer.ts';

export type { Received };

export interface Queues {
  senders: Set<number>;
  receivers: Set<number>;
}

const OK: SyscallResult = Object.freeze({ errno: 0, value: undefined });

/** A message posted to a waiting receiver: who, what it got, and whether its Endpoint cap has GRANT. */
interface Posted {
  receiver: number;
  got: Received;
  grant: boolean;
}

/**
 * The Endpoints: the tasks blocked on each, and send, recv and replyRecv
 * over them. Each operation returns the caller's answer now, or null when
 * the caller blocks (its answer comes later as an effect).
 */
export class Endpoints {
  readonly queues = new Map<number, Queues>();

  constructor(
    private readonly core: Core,
    private readonly waits: TaskWaits,
    private readonly replies: Replies,
  ) {}

  of(endpoint: number): Queues {
    let q = this.queues.get(endpoint);
    if (!q) {
      q = { senders: new Set(), receivers: new Set() };
      this.queues.set(endpoint, q);
    }
    return q;
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
      const record = this.waits.record(task);
      if (record && this.waits.state(task) === TaskState.Blocked) this.waits.answer(task, { errno: Errno.EPIPE });
      else if (record && record.waiting === Waiting.ExitMessage) this.waits.records.delete(task);
    }
  }

  /** Delivers a message with its caps from `sender` to `receiver`, or says why not. */
  private deliver(sender: number, attached: Attached[], receiver: number, landing: number[], badge: number): Received | { failure: Failure; receiverAtFault: boolean } {
    const plan = planTransfer(this.core, sender, attached, landing);
    if ('failure' in plan) return plan;
    const received = copyMessage(this.core, sender, receiver, badge);
    received.caps = performTransfer(this.core, plan, cspaceOf(this.core, receiver));
    this.core.onDeliver?.(sender, receiver);
    return received;
  }

  /**
   * Posts the message in `task`'s IPC buffer, with `attached`, on
   * `endpoint`: to the first receiver the transfer fits (a receiver whose
   * own slots are at fault is answered with the errno, and the next one is
   * tried), or, when none waits, queued as `waiting`. A send or call then
   * blocks in `call` (when `call` is null it does not queue: EAGAIN); an
   * exit message waits as its ended task. Returns whom it reached, the
   * sender's own failure, or null when it was queued.
   */
  private post(task: number, endpoint: number, attached: Attached[], badge: number, waiting: WaitingKind, call: Record<string, unknown> | null): Posted | SyscallResult | null {
    for (;;) {
      const q = this.queues.get(endpoint);
      const receiver = q ? first(q.receivers) : undefined;
      if (receiver === undefined) {
        if (call === null && waiting !== Waiting.ExitMessage) return { errno: Errno.EAGAIN };
        const mine = this.waits.recordFor(task);
        mine.attached = attached;
        this.of(endpoint).senders.add(task);
        if (call !== null) this.waits.block(task, endpoint, waiting, call);
        else {
          mine.blockedOn = endpoint;
          mine.waiting = waiting;
          mine.call = null;
        }
        return null;
      }
      const theirs = this.waits.recordFor(receiver);
      const got = this.deliver(task, attached, receiver, theirs.landing, badge);
      if ('failure' in got) {
        if (!got.receiverAtFault) return { errno: got.failure }; // the receiver waits on
        this.unqueue(receiver, endpoint);
        this.waits.answer(receiver, { errno: got.failure });
        continue;
      }
      this.unqueue(receiver, endpoint);
      return { receiver, got, grant: theirs.grant };
    }
  }

  send(task: number, plan: SendPlan, req: Record<string, unknown>, blocking: boolean, isCall: boolean): SyscallResult | null {
    if (plan.reply !== 0) return this.replies.sendOnReply(task, plan);
    storeMessage(this.core, task, plan.msg, plan.badge);
    this.waits.recordFor(task).landing = plan.landing;
    const posted = this.post(task, plan.endpoint, plan.attached, plan.badge, isCall ? Waiting.Call : Waiting.Send, blocking ? req : null);
    if (posted === null || !('receiver' in posted)) return posted;
    if (isCall) this.replies.awaitAnswer(task, posted.receiver, req, posted.grant);
    this.waits.answer(posted.receiver, { errno: 0, value: posted.got });
    return isCall ? null : OK;
  }

  /**
   * An ended task's exit message (in its IPC buffer) goes to `endpoint`, its
   * fault Endpoint: to a receiver waiting there, or queued for the next.
   * Returns whether it was queued.
   */
  postExit(task: number, endpoint: number, badge: number): boolean {
    const posted = this.post(task, endpoint, [], badge, Waiting.ExitMessage, null);
    if (posted === null) return true;
    if ('receiver' in posted) this.waits.answer(posted.receiver, { errno: 0, value: posted.got });
    return false;
  }

  recv(task: number, plan: RecvPlan, req: Record<string, unknown>, blocking: boolean): SyscallResult | null {
    this.replies.dropReply(task);
    for (;;) {
      const q = this.queues.get(plan.endpoint);
      const sender = q ? first(q.senders) : undefined;
      if (sender === undefined) {
        if (!blocking) return { errno: Errno.EAGAIN };
        const mine = this.waits.recordFor(task);
        mine.landing = plan.landing;
        mine.grant = plan.grant;
        this.of(plan.endpoint).receivers.add(task);
        this.waits.block(task, plan.endpoint, Waiting.Recv, req);
        return null;
      }
      const theirs = this.waits.recordFor(sender);
      const { call, waiting } = theirs;
      const exitMessage = waiting === Waiting.ExitMessage;
      const got = this.deliver(sender, exitMessage ? [] : theirs.attached, task, plan.landing, messageBadge(this.core, sender));
      this.unqueue(sender, plan.endpoint);
      if ('failure' in got) {
        // The sender's transfer cannot be made (its caps are gone, too many, a count would pass 256).
        this.waits.answer(sender, { errno: got.failure });
        continue;
      }
      if (exitMessage) this.waits.records.delete(sender);
      else if (waiting === Waiting.Call) this.replies.awaitAnswer(sender, task, call as Record<string, unknown>, plan.grant);
      else this.waits.answer(sender, OK);
      return { errno: 0, value: got };
    }
  }

  /**
   * replyRecv(ep, msg, { slots }): answers the caller whose Reply cap the
   * task holds, then receives on `ep` (seL4's ReplyRecv). With nobody to
   * answer (no call taken yet, or the caller is gone) the message is dropped
   * and the receive goes ahead. A transfer the caller cannot take (ENOSPC,
   * ERANGE) fails the whole call, changing nothing: the Reply cap is kept.
   */
  replyRecv(task: number, plan: ReplyRecvPlan, req: Record<string, unknown>): SyscallResult | null {
    const answered = this.replies.answerHeld(task, plan.reply.msg, plan.reply.attached);
    if (answered === null) return this.recv(task, plan.recv, req, true);
    if (answered.errno !== 0) return answered;
    // Should the task be suspended while it waits, only the receive is
    // restarted on resume: the answer has gone.
    return this.recv(task, plan.recv, { op: Op.Recv, cap: req.cap, slots: req.slots }, true);
  }
}

function first(set: Set<number>): number | undefined {
  for (const v of set) return v;
  return undefined;
}
