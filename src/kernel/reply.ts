// Reply capabilities (docs/semantics.md §7): a `call` leaves its caller
// waiting for an answer, and the receiver holds the Reply capability in a
// hidden per-task slot. It answers with reply (or replyRecv), or moves the
// cap into a slot with storeReply and answers later by send on it. A Reply
// cap is one-shot; dropped unanswered (the holder receives again, ends, or
// destroys the stored cap), its caller gets EPIPE.

import { Errno, ObjectType, Rights } from '../abi.ts';
import { cspaceOf, resolveDest } from './cspace.ts';
import { copyMessage, decodeReply, type Message, type SendPlan, storeMessage } from './message.ts';
import { type SyscallResult, type TaskRecord, type TaskWaits, Waiting } from './waits.ts';
import type { Core, Failure } from './state.ts';
import { type Attached, performTransfer, planTransfer, type TransferPlan } from './transfer.ts';

/** Marks a task's wait for the answer to its call (blockedOn of the caller). */
export const AWAITING_ANSWER = -1;

const OK: SyscallResult = Object.freeze({ errno: 0, value: undefined });

/** The Reply caps: who waits for whose answer, and the operations that answer. */
export class Replies {
  constructor(
    private readonly core: Core,
    private readonly waits: TaskWaits,
  ) {}

  /** `caller`'s call reached `server`: the caller waits, the server holds its Reply cap. */
  awaitAnswer(caller: number, server: number, call: Record<string, unknown>, grant: boolean): void {
    this.waits.block(caller, AWAITING_ANSWER, Waiting.Answer, call);
    const record = this.waits.recordFor(server);
    record.replyTo = caller;
    record.replyGen = this.waits.recordFor(caller).gen;
    record.replyGrant = grant;
  }

  /** Whether `caller` still waits for the answer its Reply cap of generation `gen` promises. */
  private awaiting(caller: number, gen: number): boolean {
    const record = this.waits.record(caller);
    return record !== undefined && record.gen === gen && record.blockedOn === AWAITING_ANSWER;
  }

  /** The caller whose Reply cap `task` holds in its hidden slot and who still waits, or 0. */
  private held(task: number): number {
    // A task that makes a call has a record: it was admitted when started.
    const mine = this.waits.record(task) as TaskRecord;
    // Stryker disable next-line ConditionalExpression: fast path; no task lives at page 0, so nobody awaits an answer from it
    if (mine.replyTo === 0 || !this.awaiting(mine.replyTo, mine.replyGen)) return 0;
    return mine.replyTo;
  }

  /** Checks the transfer of an answer from `task` against the landing slots `caller` offered; changes nothing. */
  private checkAnswer(task: number, caller: number, attached: Attached[]): TransferPlan | Failure {
    const transfer = planTransfer(this.core, task, attached, this.waits.recordFor(caller).landing);
    return 'failure' in transfer ? transfer.failure : transfer;
  }

  /** Answers `caller` with `msg` and the checked transfer from `task`; cannot fail. */
  private answer(task: number, caller: number, msg: Message, transfer: TransferPlan): void {
    storeMessage(this.core, task, msg, 0, transfer.from.length);
    const caps = performTransfer(this.core, transfer, cspaceOf(this.core, caller));
    this.core.onDeliver?.(task, caller);
    this.waits.answer(caller, { errno: 0, value: copyMessage(this.core, task, caller, 0, caps) });
  }

  /** reply(msg): answers the caller whose Reply cap the task holds in its hidden slot. */
  reply(task: number, req: Record<string, unknown>): SyscallResult {
    const decoded = decodeReply(this.core, task, req, (this.waits.record(task) as TaskRecord).replyGrant);
    if (typeof decoded === 'number') return { errno: decoded };
    return this.answerHeld(task, decoded.msg, decoded.attached) ?? { errno: Errno.EPIPE };
  }

  /**
   * Answers the caller whose Reply cap `task` holds, giving up the cap (reply,
   * and the answer half of replyRecv); null when there is nobody to answer.
   * A transfer the caller cannot take fails the call and keeps the cap.
   */
  answerHeld(task: number, msg: Message, attached: Attached[]): SyscallResult | null {
    const caller = this.held(task);
    if (caller === 0) return null;
    const transfer = this.checkAnswer(task, caller, attached);
    if (typeof transfer === 'number') return { errno: transfer };
    this.answer(task, caller, msg, transfer);
    this.waits.recordFor(task).replyTo = 0;
    return OK;
  }

  /**
   * Whether replyRecv's answer from `task` may carry caps: if the Reply cap
   * it holds may; with nobody to answer the answer is dropped, caps and all.
   */
  replyGrant(task: number): boolean {
    return this.held(task) === 0 || (this.waits.record(task) as TaskRecord).replyGrant;
  }

  /** storeReply(dest): moves the hidden Reply cap into a slot, to answer later by send. */
  storeReply(task: number, req: Record<string, unknown>): SyscallResult {
    const dest = resolveDest(this.core, task, req.dest);
    if (typeof dest === 'number') return { errno: dest };
    if (this.core.slots.type(dest.slot) !== ObjectType.Null) return { errno: Errno.EEXIST };
    const caller = this.held(task);
    if (caller === 0) return { errno: Errno.EPIPE };
    const mine = this.waits.record(task) as TaskRecord;
    const rights = Rights.READ | Rights.WRITE | (mine.replyGrant ? Rights.GRANT : 0);
    this.core.slots.fill(dest.slot, ObjectType.Reply, rights, caller, mine.replyGen);
    mine.replyTo = 0;
    return OK;
  }

  /** send on a stored Reply cap: one-shot; EPIPE (changing nothing) if the caller is gone. */
  sendOnReply(task: number, plan: SendPlan): SyscallResult {
    const slots = this.core.slots;
    const caller = slots.object(plan.reply);
    if (!this.awaiting(caller, slots.badge(plan.reply))) return { errno: Errno.EPIPE };
    const transfer = this.checkAnswer(task, caller, plan.attached);
    if (typeof transfer === 'number') return { errno: transfer };
    this.answer(task, caller, plan.msg, transfer);
    slots.clear(plan.reply);
    return OK;
  }

  /** A task's unanswered hidden Reply cap goes away: its caller gets EPIPE. */
  dropReply(task: number): void {
    const record = this.waits.record(task) as TaskRecord;
    // Stryker disable next-line ConditionalExpression: fast path; nobody awaits an answer from page 0
    if (record.replyTo === 0) return;
    const caller = record.replyTo;
    record.replyTo = 0;
    this.dropped(caller, record.replyGen);
  }

  /** A Reply cap (hidden or stored) was dropped unanswered. */
  dropped(caller: number, gen: number): void {
    if (this.awaiting(caller, gen)) this.waits.answer(caller, { errno: Errno.EPIPE });
  }
}
