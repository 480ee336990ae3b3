// Tasks (kernel.md 9): the control block's bindings and states. This issue
// builds configure and the teardown of a dying Task; starting, suspending and
// exiting arrive with the task threads.

import { Errno, ObjectType, Rights } from './abi.ts';
import type { Core, Failure } from './core.ts';
import { lookup } from './cspace.ts';
import { TaskState, Tcb, tcbWord } from './tcb.ts';

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
  const cap = lookup(core, task, req.cap);
  if (cap === 0 || slots.type(cap) === ObjectType.Null) return Errno.EBADF;
  if (slots.type(cap) !== ObjectType.Task) return Errno.ENOTSUP;
  if ((slots.rights(cap) & Rights.WRITE) === 0) return Errno.EPERM;
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

/** A dying Task drops its bindings. */
export function teardownTask(core: Core, task: number): void {
  const words = core.phys.words;
  words[tcbWord(task, Tcb.State)] = TaskState.Exited;
  core.life.unbind(tcbWord(task, Tcb.CSpace));
  core.life.unbind(tcbWord(task, Tcb.VSpace));
  core.life.unbind(tcbWord(task, Tcb.Fault));
}
