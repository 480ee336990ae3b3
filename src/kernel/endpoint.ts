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
import { type Attached, performTransfer, planTransfer, type TransferPlan } from './transfer.ts';

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
 * What a message meets at the rendezvous, decided before anything changes
 * (the rendezvous's own decode step): the partners whose side of the
 * transfer failed, each to be taken off the queue with its errno; then the
 * partner it goes to with the checked transfer, or the poster's own
 * failure, or neither when the queue ran out.
 */
interface Meeting {
  refused: { task: number; errno: Failure }[];
  partner?: { task: number; transfer: TransferPlan };
  failure?: Failure;
}

/**
 * The Endpoints: the tasks blocked on each, and send, recv and replyRecv
 * over them. Each operation returns the caller's answer now, or null when
 * the caller blocks (its answer comes later as an effect).
 */
export class Endpoints {
  /** The queues of each Endpoint that has had a task blocked on it, until the Endpoint dies. */
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
    // Stryker disable next-line ConditionalExpression: a task is unqueued only from the Endpoint its wait names, whose queue holds it
    if (!q) return;
    q.senders.delete(task);
    q.receivers.delete(task);
    // An empty queue stays until its Endpoint dies: deleting and adding the
    // same key of a big map on each wait of a busy server leaves dead
    // entries in one hash bucket for every lookup to walk (runtime.ts).
  }

  /** A dying Endpoint fails every task blocked on it with EPIPE. */
  teardown(endpoint: number): void {
    const q = this.queues.get(endpoint);
    if (!q) return;
    this.queues.delete(endpoint);
    for (const task of [...q.senders, ...q.receivers]) {
      const record = this.waits.record(task);
      if (record && this.waits.state(task) === TaskState.Blocked) this.waits.answer(task, { errno: Errno.EPIPE });
      // Stryker disable next-line ConditionalExpression,LogicalOperator: a queued task that is not blocked is an exit message (invariant 4)
      else if (record && record.waiting === Waiting.ExitMessage) this.waits.records.delete(task);
    }
  }

  /**
   * Checks the transfer with each partner waiting in `queue`, in FIFO order,
   * changing nothing. The partners are the receivers when `partnersReceive`,
   * else the senders. A failure on the partner's side refuses that partner
   * and goes on to the next; a failure on the poster's side ends the search.
   */
  private meet(queue: Set<number>, partnersReceive: boolean, check: (partner: number) => TransferPlan | { failure: Failure; receiverAtFault: boolean }): Meeting {
    const refused: Meeting['refused'] = [];
    for (const task of queue) {
      const transfer = check(task);
      if (!('failure' in transfer)) return { refused, partner: { task, transfer } };
      if (transfer.receiverAtFault !== partnersReceive) return { refused, failure: transfer.failure };
      refused.push({ task, errno: transfer.failure });
    }
    return { refused };
  }

  /** Takes the refused partners off `endpoint`'s queue, each answered with its errno. */
  private refuse(meeting: Meeting, endpoint: number): void {
    for (const { task, errno } of meeting.refused) {
      this.unqueue(task, endpoint);
      this.waits.answer(task, { errno });
    }
  }

  /** Delivers a message with its checked transfer from `sender` to `receiver`; cannot fail. */
  private deliver(sender: number, receiver: number, transfer: TransferPlan, badge: number): Received {
    const caps = performTransfer(this.core, transfer, cspaceOf(this.core, receiver));
    this.core.onDeliver?.(sender, receiver);
    return copyMessage(this.core, sender, receiver, badge, caps);
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
    const receivers = this.queues.get(endpoint)?.receivers ?? NOBODY;
    const meeting = this.meet(receivers, true, (receiver) => planTransfer(this.core, task, attached, this.waits.recordFor(receiver).landing));
    // Perform what the meeting decided; nothing below can fail.
    this.refuse(meeting, endpoint);
    if (meeting.failure !== undefined) return { errno: meeting.failure }; // the receiver waits on
    if (meeting.partner === undefined) {
      if (call === null && waiting !== Waiting.ExitMessage) return { errno: Errno.EAGAIN };
      this.waits.recordFor(task).attached = attached;
      this.of(endpoint).senders.add(task);
      // An exit message waits as its ended task: exitTask marks it Exited next.
      this.waits.block(task, endpoint, waiting, call);
      return null;
    }
    const receiver = meeting.partner.task;
    const got = this.deliver(task, receiver, meeting.partner.transfer, badge);
    this.unqueue(receiver, endpoint);
    return { receiver, got, grant: this.waits.recordFor(receiver).grant };
  }

  send(task: number, plan: SendPlan, req: Record<string, unknown>, blocking: boolean, isCall: boolean): SyscallResult | null {
    if (plan.reply !== 0) return this.replies.sendOnReply(task, plan);
    storeMessage(this.core, task, plan.msg, plan.badge, plan.attached.length);
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
    // An exit message carries no caps and never gives up, so it cannot fail.
    const { receiver, got } = posted as Posted;
    this.waits.answer(receiver, { errno: 0, value: got });
    return false;
  }

  recv(task: number, plan: RecvPlan, req: Record<string, unknown>, blocking: boolean): SyscallResult | null {
    this.replies.dropReply(task);
    const senders = this.queues.get(plan.endpoint)?.senders ?? NOBODY;
    // A sender whose transfer cannot be made (its caps are gone, too many, a
    // count would pass 256) is refused; the landing slots were checked at
    // decode, so the receiver's side cannot fail.
    const meeting = this.meet(senders, false, (sender) => planTransfer(this.core, sender, this.waits.recordFor(sender).attached, plan.landing));
    // Perform what the meeting decided; nothing below can fail.
    this.refuse(meeting, plan.endpoint);
    if (meeting.partner === undefined) {
      if (!blocking) return { errno: Errno.EAGAIN };
      const mine = this.waits.recordFor(task);
      mine.landing = plan.landing;
      mine.grant = plan.grant;
      this.of(plan.endpoint).receivers.add(task);
      this.waits.block(task, plan.endpoint, Waiting.Recv, req);
      return null;
    }
    const sender = meeting.partner.task;
    const { call, waiting } = this.waits.recordFor(sender);
    const got = this.deliver(sender, task, meeting.partner.transfer, messageBadge(this.core, sender));
    this.unqueue(sender, plan.endpoint);
    if (waiting === Waiting.ExitMessage) this.waits.records.delete(sender);
    else if (waiting === Waiting.Call) this.replies.awaitAnswer(sender, task, call as Record<string, unknown>, plan.grant);
    else this.waits.answer(sender, OK);
    return { errno: 0, value: got };
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

const NOBODY: Set<number> = new Set();
