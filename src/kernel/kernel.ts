// The kernel core's entry: (task, request) -> answer | blocked, plus effects.
// It decodes each request with the object module that owns the operation
// (checking everything in the order of docs/semantics.md §12, changing
// nothing), then performs it, which cannot fail. An Endpoint or Reply call
// has a second decode at the rendezvous: its transfer of caps is checked
// against the partner met and the state then (transfer.ts), still before
// anything changes, and only then performed.
// Requests come from a task thread and are trusted for nothing; whatever
// their shape, they get an errno, never a throw.

import { Errno, MAX_COPY_BYTES, MAX_VIEW_BYTES, ObjectType, Op, Rights } from '../abi.ts';
import { decodePrint } from './console.ts';
import { Core } from './state.ts';
import * as cspace from './cspace.ts';
import { Endpoints } from './endpoint.ts';
import { decodeRecv, decodeReplyRecv, decodeSend } from './message.ts';
import { AWAITING_ANSWER, Replies } from './reply.ts';
import { type DeadlockedTask, findDeadlocks } from './deadlock.ts';
import { checkInvariants, checkQueues } from './invariants.ts';
import * as memory from './memory.ts';
import { NetDevice } from './net.ts';
import { decodeNotification, Notifications } from './notification.ts';
import { type Effect, type Fault, type SyscallResult, TaskWaits } from './waits.ts';
import * as task from './task-object.ts';
import { TaskState } from './tcb.ts';
import * as vspace from './vspace.ts';

export type { Effect, Fault, SyscallResult };

/** A request as it arrives from the wire: an operation code and its arguments. */
export type Request = { op?: unknown; cap?: unknown } & Record<string, unknown>;

const OK_EMPTY: SyscallResult = Object.freeze({ errno: 0, value: undefined });

function fail(errno: number): SyscallResult {
  return { errno };
}

function done(plan: unknown, perform: () => void): SyscallResult {
  if (typeof plan === 'number') return fail(plan);
  perform();
  return OK_EMPTY;
}

export class Kernel {
  readonly core: Core;
  readonly waits: TaskWaits;
  readonly endpoints: Endpoints;
  readonly notifications: Notifications;
  readonly net: NetDevice;
  private readonly replies: Replies;
  private readonly ctx: task.TaskContext;
  /** System calls decided, by operation code. */
  readonly calls = new Float64Array(64);
  /** Failed system calls, by errno. */
  readonly failures = new Float64Array(128);

  constructor(pages: number, buffer?: SharedArrayBuffer) {
    this.core = new Core(pages, buffer);
    this.waits = new TaskWaits(this.core);
    this.replies = new Replies(this.core, this.waits);
    this.endpoints = new Endpoints(this.core, this.waits, this.replies);
    this.notifications = new Notifications(this.core, this.waits);
    this.net = new NetDevice(this.core, this.waits);
    const unqueue = (t: number, object: number) => {
      const kind = this.core.objects.kind[object];
      if (kind === ObjectType.Notification) this.notifications.unqueue(t, object);
      else if (kind === ObjectType.Listener || kind === ObjectType.Connection) this.net.unqueue(t, object);
      else this.endpoints.unqueue(t, object);
    };
    this.ctx = { core: this.core, waits: this.waits, eps: this.endpoints, replies: this.replies, unqueue };
    this.core.onReplyDropped = (caller, gen) => this.replies.dropped(caller, gen);
    const { life } = this.core;
    life.teardown[ObjectType.Memory] = (object) => memory.teardownMemory(this.core, object);
    life.teardown[ObjectType.CSpace] = (object) => cspace.teardownCSpace(this.core, object);
    life.teardown[ObjectType.Task] = (object) => task.teardownTask(this.ctx, object);
    life.teardown[ObjectType.Endpoint] = (object) => this.endpoints.teardown(object);
    life.teardown[ObjectType.Notification] = (object) => this.notifications.teardown(object);
    life.teardown[ObjectType.VSpace] = (object) => vspace.teardownTable(this.core, object);
    life.teardown[ObjectType.PageTable] = (object) => vspace.teardownTable(this.core, object);
    life.teardown[ObjectType.Listener] = (object) => this.net.teardown(object);
    life.teardown[ObjectType.Connection] = (object) => this.net.connections.teardown(object);
  }

  /** Every violated invariant of docs/semantics.md §13, in words (empty when all hold). */
  check(): string[] {
    return [
      ...checkInvariants(this.core),
      ...checkQueues({
        core: this.core,
        records: this.waits.records,
        endpointQueues: this.endpoints.queues,
        notificationWaiters: this.notifications.waiters,
        deviceWaiters: this.net.waiters(),
        awaitingAnswer: AWAITING_ANSWER,
      }),
    ];
  }

  /** Takes the effects of the decisions made so far (answers, starts, kills, prints, exits). */
  takeEffects(): Effect[] {
    return this.waits.take();
  }

  /** Whether decisions have left effects to carry out. */
  hasEffects(): boolean {
    return this.waits.effects.length > 0;
  }

  /** Whether `task` is the first page of a live Task object. */
  isLiveTask(task: number): boolean {
    return this.core.objects.isLive(task, ObjectType.Task);
  }

  /** Free pages of those of `areas` that are still live Memory areas (a trace counter). */
  freePagesOf(areas: readonly number[]): number {
    let free = 0;
    for (const area of areas) if (this.core.objects.isLive(area, ObjectType.Memory)) free += this.core.areas.freeOf(area);
    return free;
  }

  /** Tasks blocked in a system call now (a trace counter). */
  blockedTasks(): number {
    let blocked = 0;
    for (const task of this.waits.records.keys()) if (this.waits.state(task) === TaskState.Blocked) blocked++;
    return blocked;
  }

  /**
   * The blocked tasks that no task able to act can ever wake: each waits on
   * an object that only deadlocked or stuck tasks hold a way to (deadlock.ts).
   */
  deadlocks(): DeadlockedTask[] {
    return findDeadlocks(this.core, this.waits.records);
  }

  /** Calls `watch(sender, receiver)` at every message delivery (null: stop). */
  watchDeliveries(watch: ((sender: number, receiver: number) => void) | null): void {
    this.core.onDeliver = watch;
  }

  /**
   * Decides one system call of the task whose Task object starts at page
   * `caller`. Returns its answer, or null when the caller blocks: the answer
   * then comes later as an 'answer' effect.
   */
  invoke(caller: number, request: unknown): SyscallResult | null {
    if (!this.core.objects.isLive(caller, ObjectType.Task)) {
      throw new RangeError(`no live task at page ${caller}`);
    }
    if (typeof request === 'object' && request !== null) {
      const op = (request as Request).op;
      if (typeof op === 'number' && op >= 0 && op < this.calls.length && Number.isInteger(op)) this.calls[op]++;
    }
    const state = this.waits.state(caller);
    const exiting = typeof request === 'object' && request !== null && (request as Request).op === Op.Exit;
    if (state === TaskState.Exited || state === TaskState.Inactive) return fail(Errno.EBUSY);
    // One call in flight per task; exit may always end a task.
    if (state === TaskState.Blocked && !exiting) return fail(Errno.EBUSY);
    if (state === TaskState.Suspended) {
      // No progress while suspended: the call waits for resume.
      const record = this.waits.recordFor(caller);
      const pending = record.call !== null || record.blockedOn < 0 || record.held !== null;
      if (pending && !exiting) return fail(Errno.EBUSY);
      record.call = request as Record<string, unknown>;
      return null;
    }
    const result = this.decide(caller, request);
    if (result !== null && result.errno !== 0) this.failures[result.errno]++;
    return result;
  }

  private decide(caller: number, request: unknown): SyscallResult | null {
    if (typeof request !== 'object' || request === null) return fail(Errno.EINVAL);
    const req = request as Request;
    const core = this.core;
    switch (req.op) {
      case Op.Identify: {
        const identity = cspace.identify(core, caller, req.cap);
        return typeof identity === 'number' ? fail(identity) : { errno: 0, value: identity };
      }
      case Op.Alloc: {
        const plan = memory.decodeAlloc(core, caller, req);
        return done(plan, () => memory.performAlloc(core, plan as Exclude<typeof plan, number>));
      }
      case Op.FreePages: {
        const plan = memory.decodeFreePages(core, caller, req.cap);
        return typeof plan === 'number' ? fail(plan) : { errno: 0, value: core.areas.freeOf(plan.area) };
      }
      case Op.Copy: {
        const plan = cspace.decodeCopy(core, caller, req);
        return done(plan, () => cspace.performCopy(core, plan as Exclude<typeof plan, number>));
      }
      case Op.Move: {
        const plan = cspace.decodeMove(core, caller, req);
        return done(plan, () => cspace.performMove(core, plan as Exclude<typeof plan, number>));
      }
      case Op.Destroy: {
        const plan = cspace.decodeDestroy(core, caller, req.caps);
        return done(plan, () => cspace.performDestroy(core, plan as number[]));
      }
      case Op.Configure: {
        const plan = task.decodeConfigure(core, caller, req);
        return done(plan, () => task.performConfigure(core, plan as Exclude<typeof plan, number>));
      }
      case Op.Start: {
        const plan = task.decodeStart(core, caller, req);
        return done(plan, () => task.performStart(this.ctx, plan as Exclude<typeof plan, number>));
      }
      case Op.Suspend: {
        const plan = task.decodeControl(core, caller, req.cap, false);
        return done(plan, () => task.performSuspend(this.ctx, (plan as { target: number }).target));
      }
      case Op.Resume: {
        const plan = task.decodeControl(core, caller, req.cap, true);
        return done(plan, () => this.resume((plan as { target: number }).target));
      }
      case Op.Exit:
        return this.exit(caller, req);
      case Op.Yield:
        return OK_EMPTY;
      case Op.Print: {
        const plan = decodePrint(core, caller, req);
        return done(plan, () => this.waits.effects.push({ kind: 'print', task: caller, text: (plan as { text: string }).text }));
      }
      case Op.Send:
      case Op.NbSend:
      case Op.Call: {
        const isCall = req.op === Op.Call;
        const plan = decodeSend(core, caller, req, isCall);
        if (typeof plan === 'number') return fail(plan);
        return this.endpoints.send(caller, plan, req, req.op !== Op.NbSend, isCall);
      }
      case Op.Recv:
      case Op.NbRecv: {
        const plan = decodeRecv(core, caller, req);
        if (typeof plan === 'number') return fail(plan);
        return this.endpoints.recv(caller, plan, req, req.op === Op.Recv);
      }
      case Op.Reply:
        return this.replies.reply(caller, req);
      case Op.ReplyRecv: {
        const plan = decodeReplyRecv(core, caller, req, this.replies.replyGrant(caller));
        if (typeof plan === 'number') return fail(plan);
        return this.endpoints.replyRecv(caller, plan, req);
      }
      case Op.StoreReply:
        return this.replies.storeReply(caller, req);
      case Op.Signal: {
        const plan = decodeNotification(core, caller, req.cap, Rights.WRITE);
        return typeof plan === 'number' ? fail(plan) : this.notifications.signal(plan.page, plan.badge);
      }
      case Op.Wait:
      case Op.Poll: {
        const plan = decodeNotification(core, caller, req.cap, Rights.READ);
        return typeof plan === 'number' ? fail(plan) : this.notifications.take(caller, plan.page, req.op === Op.Wait, req);
      }
      case Op.Map: {
        const plan = vspace.decodeMap(core, caller, req);
        return done(plan, () => vspace.performMap(core, plan as Exclude<typeof plan, number>));
      }
      case Op.Unmap: {
        const plan = vspace.decodeUnmap(core, caller, req);
        return done(plan, () => vspace.performUnmap(core, plan as { word: number }));
      }
      case Op.Read: {
        const pieces = vspace.translate(core, caller, req.vaddr, req.n, false, MAX_COPY_BYTES);
        return typeof pieces === 'number' ? fail(pieces) : { errno: 0, value: vspace.readPieces(core, pieces) };
      }
      case Op.Write: {
        const bytes = req.bytes;
        if (!(bytes instanceof Uint8Array)) return fail(Errno.EINVAL);
        const pieces = vspace.translate(core, caller, req.vaddr, bytes.length, true, MAX_COPY_BYTES);
        return done(pieces, () => vspace.writePieces(core, pieces as Exclude<typeof pieces, number>, bytes));
      }
      case Op.View: {
        const pieces = vspace.translate(core, caller, req.vaddr, req.n, false, MAX_VIEW_BYTES);
        if (typeof pieces === 'number') return fail(pieces);
        const range = vspace.contiguous(pieces);
        return typeof range === 'number' ? fail(range) : { errno: 0, value: range };
      }
      case Op.Listen:
      case Op.Accept:
      case Op.NbAccept:
      case Op.RecvBytes:
      case Op.NbRecvBytes:
      case Op.SendBytes:
      case Op.NbSendBytes:
      case Op.SendRecvBytes:
      case Op.Shutdown:
        return this.net.decide(caller, req);
      default:
        return this.unsupported(caller, req);
    }
  }

  /** Resumes a suspended task: a held answer is delivered, a held call restarts. */
  private resume(target: number): void {
    const record = this.waits.record(target);
    const awaiting = record !== undefined && record.blockedOn < 0;
    this.waits.setState(target, awaiting ? TaskState.Blocked : TaskState.Ready);
    if (!record) return;
    if (record.held) {
      const held = record.held;
      record.held = null;
      this.waits.answer(target, held);
      return;
    }
    const call = record.call;
    if (call === null || awaiting) return;
    record.call = null;
    const result = this.decide(target, call);
    if (result !== null) this.waits.answer(target, result);
  }

  /** exit(code): the calling task ends; `value` and `fault` are for the host. */
  private exit(caller: number, req: Request): SyscallResult {
    const { code = 0, value, fault } = req;
    const number = typeof code === 'number' && Number.isFinite(code) ? Math.trunc(code) : 0;
    const bytes = value instanceof Uint8Array ? value : undefined;
    task.exitTask(this.ctx, caller, number, bytes, isFault(fault) ? fault : undefined);
    return OK_EMPTY;
  }

  /** An operation the invoked object does not have: EBADF first if the cap is bad. */
  private unsupported(caller: number, req: Request): SyscallResult {
    const s = cspace.lookup(this.core, caller, req.cap);
    if (s === 0 || this.core.slots.type(s) === ObjectType.Null) return fail(Errno.EBADF);
    return fail(Errno.ENOTSUP);
  }
}

function isFault(value: unknown): value is Fault {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Record<string, unknown>;
  return typeof f.name === 'string' && typeof f.message === 'string' && (f.stack === undefined || typeof f.stack === 'string');
}
