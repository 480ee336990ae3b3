// Tasks (docs/semantics.md §9): bindings, states, and the lifecycle: configure, start,
// suspend and resume, exit (with its message on the fault Endpoint), and
// the kill of a task whose object is destroyed while it runs.

import { Errno, MSG_MAX_BYTES, ObjectType, physOf, Rights } from '../abi.ts';
import type { Core, Failure } from './state.ts';
import { invoked, lookup } from './cspace.ts';
import type { Endpoints } from './endpoint.ts';
import { storeMessage } from './message.ts';
import type { Replies } from './reply.ts';
import { type Fault, type TaskWaits, Waiting } from './waits.ts';
import { TaskState, Tcb, tcbWord } from './tcb.ts';

/** What the task operations work on besides the core. */
export interface TaskContext {
  core: Core;
  waits: TaskWaits;
  eps: Endpoints;
  replies: Replies;
  /** Takes a task out of the queue of the object (Endpoint or Notification) it is blocked on. */
  unqueue(task: number, object: number): void;
}

/** Exit message labels on the fault Endpoint. */
export const ExitLabel = { Exit: 1, Fault: 2 } as const;
const MAX_PROGRAM_CHARS = 4096;

export interface ConfigureArgs {
  cap?: unknown;
  cspace?: unknown;
  vspace?: unknown;
  fault?: unknown;
}

interface Binding {
  field: number;
  type: number;
  /** First page of the object to bind, or 0 to leave the field unbound. */
  object: number;
  badge: number;
}

interface ConfigurePlan {
  task: number;
  bindings: Binding[];
}

/** An optional argument capability of one type: 0 when absent, -1 when bad. */
function optionalCap(core: Core, task: number, caddr: unknown, type: number): number {
  if (caddr === undefined) return 0;
  const s = lookup(core, task, caddr);
  if (s === 0 || core.slots.type(s) !== type) return -1;
  return s;
}

/** configure(task, { cspace, vspace?, fault? }) */
export function decodeConfigure(core: Core, task: number, req: ConfigureArgs): ConfigurePlan | Failure {
  const slots = core.slots;
  const cap = invoked(core, task, req.cap, ObjectType.Task, Rights.WRITE);
  if (cap < 0) return -cap;
  const cs = lookup(core, task, req.cspace);
  if (cs === 0 || slots.type(cs) !== ObjectType.CSpace) return Errno.EBADF;
  const vs = optionalCap(core, task, req.vspace, ObjectType.VSpace);
  const ft = optionalCap(core, task, req.fault, ObjectType.Endpoint);
  if (vs < 0 || ft < 0) return Errno.EBADF;
  const target = slots.object(cap);
  const words = core.phys.words;
  if (words[tcbWord(target, Tcb.State)] !== TaskState.Inactive) return Errno.EBUSY;
  const bindings: Binding[] = [
    { field: Tcb.CSpace, type: ObjectType.CSpace, object: slots.object(cs), badge: 0 },
    { field: Tcb.VSpace, type: ObjectType.VSpace, object: vs ? slots.object(vs) : 0, badge: 0 },
    { field: Tcb.Fault, type: ObjectType.Endpoint, object: ft ? slots.object(ft) : 0, badge: ft ? slots.badge(ft) : 0 },
  ];
  for (const b of bindings) {
    const already = words[tcbWord(target, b.field)] === b.object;
    if (b.object !== 0 && !already && !core.life.hasRoom(b.type, b.object)) return Errno.ERANGE;
  }
  return { task: target, bindings };
}

export function performConfigure(core: Core, plan: ConfigurePlan): void {
  const words = core.phys.words;
  for (const b of plan.bindings) {
    const word = tcbWord(plan.task, b.field);
    if (words[word] !== b.object) {
      // Bind the new object before dropping the old one, so a rebinding never
      // passes through a count of zero.
      const old = words[word];
      if (b.object !== 0) core.life.bind(b.type, b.object, word);
      else words[word] = 0;
      if (old !== 0) core.life.dropBinding(old, word);
    }
    if (b.field === Tcb.Fault) words[tcbWord(plan.task, Tcb.FaultBadge)] = b.badge;
  }
}

interface StartPlan {
  target: number;
  program: string;
  arg: Uint8Array | undefined;
  thread: 'pool' | 'dedicated';
}

/** The invoked Task cap of a task-control operation: its object, or a negated errno (as `invoked`). */
function invokedTask(core: Core, task: number, caddr: unknown): number {
  const cap = invoked(core, task, caddr, ObjectType.Task, Rights.WRITE);
  return cap < 0 ? cap : core.slots.object(cap);
}

/** start(task, program, arg?, { thread }) */
export function decodeStart(core: Core, task: number, req: Record<string, unknown>): StartPlan | Failure {
  const target = invokedTask(core, task, req.cap);
  if (target < 0) return -target;
  const { program, arg, thread = 'pool' } = req;
  if (typeof program !== 'string' || program.length === 0 || program.length > MAX_PROGRAM_CHARS) return Errno.EINVAL;
  if (arg !== undefined && !(arg instanceof Uint8Array)) return Errno.EINVAL;
  if (thread !== 'pool' && thread !== 'dedicated') return Errno.EINVAL;
  const words = core.phys.words;
  if (words[tcbWord(target, Tcb.CSpace)] === 0) return Errno.EINVAL;
  if (words[tcbWord(target, Tcb.State)] !== TaskState.Inactive) return Errno.EBUSY;
  return { target, program, arg, thread };
}

export function performStart(ctx: TaskContext, plan: StartPlan): void {
  ctx.waits.admit(plan.target);
  ctx.waits.setState(plan.target, TaskState.Ready);
  ctx.waits.effects.push({ kind: 'start', task: plan.target, program: plan.program, arg: plan.arg, thread: plan.thread });
}

/** suspend(task) needs a task that runs; resume(task) one that is suspended. */
export function decodeControl(core: Core, task: number, caddr: unknown, resume: boolean): { target: number } | Failure {
  const target = invokedTask(core, task, caddr);
  if (target < 0) return -target;
  const state = core.phys.words[tcbWord(target, Tcb.State)];
  const ok = resume ? state === TaskState.Suspended : state === TaskState.Ready || state === TaskState.Blocked;
  return ok ? { target } : Errno.EBUSY;
}

/**
 * Suspends a task. A task queued on an object leaves the queue and will
 * restart its call on resume; a task waiting for the answer to its call
 * keeps waiting, and an answer that arrives is held until resume.
 */
export function performSuspend(ctx: TaskContext, target: number): void {
  const record = ctx.waits.record(target);
  if (record && record.blockedOn > 0) {
    ctx.unqueue(target, record.blockedOn);
    record.blockedOn = 0;
    record.waiting = Waiting.Nothing;
  }
  ctx.waits.setState(target, TaskState.Suspended);
}

/** Takes a task out of every queue and cancels what it waited for. */
function cancelWaits(ctx: TaskContext, task: number): void {
  const record = ctx.waits.record(task);
  if (!record) return;
  if (record.blockedOn > 0) ctx.unqueue(task, record.blockedOn);
  ctx.replies.dropReply(task);
  record.blockedOn = 0;
  record.waiting = Waiting.Nothing;
  record.call = null;
  record.held = null;
}

/**
 * A task ends: it returned, called exit, or threw (a fault). Its exit message
 * goes on its fault Endpoint, queued as if the dead task were a blocked
 * sender; then its bindings are dropped.
 */
export function exitTask(ctx: TaskContext, task: number, code: number, value: Uint8Array | undefined, fault: Fault | undefined): void {
  const { core, waits, eps } = ctx;
  cancelWaits(ctx, task);
  const words = core.phys.words;
  const endpoint = words[tcbWord(task, Tcb.Fault)];
  let queued = false;
  if (endpoint !== 0) {
    const msg = { label: fault ? ExitLabel.Fault : ExitLabel.Exit, data: exitData(physOf(task), code, fault) };
    const badge = words[tcbWord(task, Tcb.FaultBadge)];
    storeMessage(core, task, msg, badge, 0);
    queued = eps.postExit(task, endpoint, badge);
  }
  waits.setState(task, TaskState.Exited);
  words[tcbWord(task, Tcb.ExitCode)] = code >>> 0;
  if (!queued) waits.records.delete(task);
  waits.effects.push({ kind: 'exit', task, code, value, fault, heard: endpoint !== 0 });
  core.life.unbind(tcbWord(task, Tcb.CSpace));
  core.life.unbind(tcbWord(task, Tcb.VSpace));
  core.life.unbind(tcbWord(task, Tcb.Fault));
}

/**
 * The data of an exit message: JSON `{ task, code, error? }`, within a
 * message's 2048 bytes (the IPC buffer holds no more): a longer error text is
 * cut, ending in an ellipsis.
 */
export function exitData(task: number, code: number, fault: Fault | undefined): Uint8Array {
  const body: { task: number; code: number; error?: string } = { task, code };
  const encode = (error: string | undefined) => {
    if (error !== undefined) body.error = error;
    return new TextEncoder().encode(JSON.stringify(body));
  };
  if (!fault) return encode(undefined);
  const error = `${fault.name}: ${fault.message}`;
  const whole = encode(error);
  if (whole.length <= MSG_MAX_BYTES) return whole;
  // The longest prefix that fits (no more characters than bytes can fit), found by halving.
  let fits = 0;
  let over = Math.min(error.length, MSG_MAX_BYTES);
  while (over - fits > 1) {
    const mid = (fits + over) >>> 1;
    if (encode(`${error.slice(0, mid)}\u2026`).length <= MSG_MAX_BYTES) fits = mid;
    else over = mid;
  }
  return encode(`${error.slice(0, fits)}\u2026`);
}

/** A dying Task: a running one is killed; every task drops its bindings. */
export function teardownTask(ctx: TaskContext, task: number): void {
  const { core, waits } = ctx;
  const words = core.phys.words;
  const state = words[tcbWord(task, Tcb.State)];
  cancelWaits(ctx, task);
  waits.records.delete(task);
  if (state === TaskState.Ready || state === TaskState.Blocked || state === TaskState.Suspended) {
    waits.effects.push({ kind: 'kill', task });
  }
  words[tcbWord(task, Tcb.State)] = TaskState.Exited;
  core.life.unbind(tcbWord(task, Tcb.CSpace));
  core.life.unbind(tcbWord(task, Tcb.VSpace));
  core.life.unbind(tcbWord(task, Tcb.Fault));
}
