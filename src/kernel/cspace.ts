// CSpace: addressing by caddr, and the operations on capabilities themselves
// (docs/semantics.md §5): identify, copy, move, destroy. Each operation is a decode
// that checks everything in the order of docs/semantics.md §12 and changes nothing,
// then a perform that cannot fail.
//
// Addressing rules (docs/decisions.md): a caddr is an integer in
// 0 .. 2^radix - 1 of the CSpace it is looked up in; anything else (a
// fraction, NaN, a negative, a string, a missing field) names no slot and is
// EBADF. A destination is a caddr of the caller's CSpace or
// { cspace: caddr, slot: index }, which needs a CSpace capability with WRITE.

import { Errno, type Identity, MAX_RADIX, ObjectType, physOf, Rights } from '../abi.ts';
import type { Core, Failure } from './state.ts';
import { isDevice, Slots } from './slots.ts';
import { TASK_STATE_NAMES, Tcb, tcbWord } from './tcb.ts';

/** The first page of the task's bound CSpace, or 0. */
export function cspaceOf(core: Core, task: number): number {
  return core.phys.words[tcbWord(task, Tcb.CSpace)];
}

/** Slots of the CSpace whose first page is `cspace`. */
export function slotCount(core: Core, cspace: number): number {
  return 1 << core.objects.size[cspace];
}

/** Number.isInteger as a type guard: it is false for every non-number. */
export function isInteger(value: unknown): value is number {
  return Number.isInteger(value);
}

function isIndex(value: unknown, limit: number): value is number {
  return isInteger(value) && value >= 0 && value < limit;
}

/** The slot index a caddr names in the task's CSpace, or 0 when it names none. */
export function lookup(core: Core, task: number, caddr: unknown): number {
  const cspace = cspaceOf(core, task);
  if (cspace === 0 || !isIndex(caddr, slotCount(core, cspace))) return 0;
  return Slots.index(cspace, caddr);
}

/**
 * The invoked capability of an operation, checked in the order of docs/semantics.md
 * §12: its slot index, or a negated errno (EBADF: out of range or Null;
 * ENOTSUP: not of `type`; EPERM: lacks one of `rights`).
 */
export function invoked(core: Core, task: number, caddr: unknown, type: number, rights: number): number {
  const s = lookup(core, task, caddr);
  if (s === 0 || core.slots.type(s) === ObjectType.Null) return -Errno.EBADF;
  if (core.slots.type(s) !== type) return -Errno.ENOTSUP;
  if ((core.slots.rights(s) & rights) !== rights) return -Errno.EPERM;
  return s;
}

/** A resolved destination: slot `index` of the CSpace at page `cspace`. */
export interface Destination {
  cspace: number;
  index: number;
  /** Global slot index. */
  slot: number;
}

/** Resolves a destination argument (a caddr or { cspace, slot }). */
export function resolveDest(core: Core, task: number, dest: unknown): Destination | Failure {
  if (typeof dest === 'object' && dest !== null) {
    const { cspace: via, slot } = dest as { cspace?: unknown; slot?: unknown };
    const s = lookup(core, task, via);
    if (
      core.slots.type(s) !== ObjectType.CSpace ||
      // Stryker disable next-line ConditionalExpression: slot 0 (no slot) is in the root area's header, whose first byte (0x41, of the magic) is no CSpace type, so the check above refuses it too
      s === 0
    ) {
      return Errno.EBADF;
    }
    if ((core.slots.rights(s) & Rights.WRITE) === 0) return Errno.EPERM;
    const cspace = core.slots.object(s);
    if (!isIndex(slot, slotCount(core, cspace))) return Errno.EBADF;
    return { cspace, index: slot, slot: Slots.index(cspace, slot) };
  }
  const cspace = cspaceOf(core, task);
  if (cspace === 0 || !isIndex(dest, slotCount(core, cspace))) return Errno.EBADF;
  return { cspace, index: dest, slot: Slots.index(cspace, dest) };
}

/** identify(cap): what a slot holds. A Null slot reads as type Null. */
export function identify(core: Core, task: number, caddr: unknown): Identity | Failure {
  const s = lookup(core, task, caddr);
  if (s === 0) return Errno.EBADF;
  return describe(core, s);
}


export function describe(core: Core, s: number): Identity {
  const slots = core.slots;
  const type = slots.type(s);
  if (type === ObjectType.Null) return { type, rights: 0, badge: 0 };
  const object = slots.object(s);
  // A Reply cap's badge word holds the generation of the call it answers: not a badge.
  const identity: Identity = { type, rights: slots.rights(s), badge: type === ObjectType.Reply ? 0 : slots.badge(s) };
  if (!isDevice(type) && type !== ObjectType.Reply) {
    identity.phys = physOf(object);
    identity.pages = core.objects.pages[object];
  }
  if (type !== ObjectType.Reply) identity.refs = core.life.refs(type, object);
  if (type === ObjectType.CSpace) identity.radix = core.objects.size[object];
  if (type === ObjectType.Task) identity.state = TASK_STATE_NAMES[core.phys.words[tcbWord(object, Tcb.State)]];
  return identity;
}

interface CopyPlan {
  src: number;
  dest: number;
  rights: number;
  badge: number;
}

function isWord(value: unknown): value is number {
  return isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** copy(dest, src, { rights?, badge? }) */
export function decodeCopy(core: Core, task: number, req: CopyArgs): CopyPlan | Failure {
  const slots = core.slots;
  const src = lookup(core, task, req.cap);
  if (src === 0 || slots.type(src) === ObjectType.Null) return Errno.EBADF;
  const type = slots.type(src);
  if (type === ObjectType.Reply) return Errno.ENOTSUP;
  const dest = resolveDest(core, task, req.dest);
  if (typeof dest === 'number') return dest;
  const mask = req.rights === undefined ? Rights.ALL : req.rights;
  if (!isIndex(mask, Rights.ALL + 1)) return Errno.EINVAL;
  let badge = slots.badge(src);
  if (req.badge !== undefined) {
    if (!isWord(req.badge)) return Errno.EINVAL;
    if (type !== ObjectType.Endpoint && type !== ObjectType.Notification) return Errno.EINVAL;
    if (badge !== 0) return Errno.EINVAL;
    badge = req.badge;
  }
  if (slots.type(dest.slot) !== ObjectType.Null) return Errno.EEXIST;
  if (!core.life.hasRoom(type, slots.object(src))) return Errno.ERANGE;
  return { src, dest: dest.slot, rights: slots.rights(src) & mask, badge };
}

export function performCopy(core: Core, plan: CopyPlan): void {
  const slots = core.slots;
  const type = slots.type(plan.src);
  const object = slots.object(plan.src);
  core.life.retain(type, object);
  slots.fill(plan.dest, type, plan.rights, object, plan.badge);
}

export interface CopyArgs {
  cap?: unknown;
  dest?: unknown;
  rights?: unknown;
  badge?: unknown;
}

interface MovePlan {
  src: number;
  dest: number;
}

/** move(dest, src) */
export function decodeMove(core: Core, task: number, req: CopyArgs): MovePlan | Failure {
  const src = lookup(core, task, req.cap);
  if (src === 0 || core.slots.type(src) === ObjectType.Null) return Errno.EBADF;
  const dest = resolveDest(core, task, req.dest);
  if (typeof dest === 'number') return dest;
  if (core.slots.type(dest.slot) !== ObjectType.Null) return Errno.EEXIST;
  return { src, dest: dest.slot };
}

export function performMove(core: Core, plan: MovePlan): void {
  core.slots.move(plan.dest, plan.src);
  core.life.suspect(core.slots.type(plan.dest), core.slots.object(plan.dest));
}

/** destroy(...caps): every named slot; Null slots succeed. */
export function decodeDestroy(core: Core, task: number, caps: unknown): number[] | Failure {
  if (!Array.isArray(caps)) return Errno.EINVAL;
  if (caps.length > 1 << MAX_RADIX) return Errno.EINVAL;
  // Stryker disable next-line ArrayDeclaration: a preallocated length is only an optimisation; every entry is set below
  const targets: number[] = new Array(caps.length);
  for (let i = 0; i < caps.length; i++) {
    const dest = resolveDest(core, task, caps[i]);
    if (typeof dest === 'number') return dest;
    targets[i] = dest.slot;
  }
  return targets;
}

/**
 * Empties each slot and drops its object's reference. A slot emptied by an
 * earlier one's destruction (its CSpace died, or its object's Memory did) is
 * Null by then, because a dying CSpace empties all of its slots.
 */
export function performDestroy(core: Core, targets: number[]): void {
  for (const s of targets) deleteCap(core, s);
}

/** Empties one slot and drops the reference it held. */
export function deleteCap(core: Core, s: number): void {
  const slots = core.slots;
  const type = slots.type(s);
  if (type === ObjectType.Null) return;
  const object = slots.object(s);
  const badge = slots.badge(s);
  slots.clear(s);
  if (type === ObjectType.Reply) core.onReplyDropped(object, badge);
  else core.life.release(type, object);
}

/** A dying CSpace drops every capability it holds. */
export function teardownCSpace(core: Core, cspace: number): void {
  const first = Slots.index(cspace, 0);
  const count = slotCount(core, cspace);
  for (let s = first; s < first + count; s++) deleteCap(core, s);
}
