// Capability transfer over IPC (docs/semantics.md §7): up to 8 capabilities per
// message, each by copy (default) or move, into the landing slots the
// receiver named. All or nothing: every check runs before anything moves, so
// a failure (ENOSPC, ERANGE, EEXIST, EBADF) leaves both sides as they were.

import { Errno, MAX_REFERENCES, MSG_MAX_CAPS, ObjectType } from '../abi.ts';
import type { Core, Failure } from './state.ts';
import { lookup } from './cspace.ts';

/** A capability the sender attaches: its caddr in the sender's CSpace, and whether it moves. */
export interface Attached {
  caddr: number;
  move: boolean;
}

function isCaddrForm(value: unknown): boolean {
  return typeof value === 'number';
}

/**
 * Checks the `caps` of a message against the sender's CSpace: each a caddr or
 * { cap, move }, naming a capability that can be transferred. Order: argument
 * caps (EBADF, ENOTSUP for a Reply cap), then parameters (EINVAL for a wrong
 * shape or a slot named twice, EMSGSIZE for more than 8).
 */
export function decodeAttached(core: Core, task: number, caps: unknown): Attached[] | Failure {
  if (caps === undefined) return [];
  if (!Array.isArray(caps)) return Errno.EINVAL;
  const out: Attached[] = [];
  for (const entry of caps) {
    let caddr: unknown = entry;
    let move = false;
    if (!isCaddrForm(entry)) {
      if (typeof entry !== 'object' || entry === null) return Errno.EINVAL;
      const { cap, move: how } = entry as { cap?: unknown; move?: unknown };
      if (how !== undefined && typeof how !== 'boolean') return Errno.EINVAL;
      caddr = cap;
      move = how === true;
    }
    const s = lookup(core, task, caddr);
    if (s === 0 || core.slots.type(s) === ObjectType.Null) return Errno.EBADF;
    if (core.slots.type(s) === ObjectType.Reply) return Errno.ENOTSUP;
    out.push({ caddr: caddr as number, move });
  }
  if (out.length > MSG_MAX_CAPS) return Errno.EMSGSIZE;
  if (new Set(out.map((a) => a.caddr)).size !== out.length) return Errno.EINVAL;
  return out;
}

/** Checks the landing slots a receiver offers: caddrs of its CSpace, Null, distinct, at most 8. */
export function decodeLanding(core: Core, task: number, slots: unknown): number[] | Failure {
  if (slots === undefined) return [];
  if (!Array.isArray(slots)) return Errno.EINVAL;
  const out: number[] = [];
  for (const caddr of slots) {
    const s = lookup(core, task, caddr);
    if (s === 0) return Errno.EBADF;
    out.push(s);
  }
  if (out.length > MSG_MAX_CAPS) return Errno.EMSGSIZE;
  if (new Set(out).size !== out.length) return Errno.EINVAL;
  for (const s of out) if (core.slots.type(s) !== ObjectType.Null) return Errno.EEXIST;
  return out;
}

/** A transfer that has passed every check. */
export interface TransferPlan {
  /** Sender slots, in message order. */
  from: number[];
  moves: boolean[];
  /** Receiver landing slots, as many as there are caps. */
  to: number[];
}

/**
 * Checks a transfer at the rendezvous, against the state now: the sender's
 * caps must still be there (EBADF) and not be Reply caps (ENOTSUP), the
 * receiver must have offered enough slots (ENOSPC) that are still Null
 * (EEXIST, the receiver's fault), and the copies must not take an object
 * past 256 references (ERANGE).
 */
export function planTransfer(
  core: Core,
  sender: number,
  attached: Attached[],
  landing: number[],
): TransferPlan | { failure: Failure; receiverAtFault: boolean } {
  const from: number[] = [];
  for (const a of attached) {
    const s = lookup(core, sender, a.caddr);
    // A sender's caps are decoded just before it meets a waiting receiver, so
    // they can only be gone (or be a Reply) for a queued sender met by recv,
    // which fails the sender whatever receiverAtFault says.
    // Stryker disable next-line BooleanLiteral: receiverAtFault is not read on the only path that reaches here
    if (s === 0 || core.slots.type(s) === ObjectType.Null) return { failure: Errno.EBADF, receiverAtFault: false };
    // While the sender waited, a Reply cap may have been moved into the slot
    // it attached: a Reply cap is never transferred (it is one-shot and
    // counts no reference, so a copy would duplicate it and leak a count).
    // Stryker disable next-line BooleanLiteral: as above, receiverAtFault is not read here
    if (core.slots.type(s) === ObjectType.Reply) return { failure: Errno.ENOTSUP, receiverAtFault: false };
    from.push(s);
  }
  if (landing.length < attached.length) return { failure: Errno.ENOSPC, receiverAtFault: false };
  const to = landing.slice(0, attached.length);
  for (const s of to) if (core.slots.type(s) !== ObjectType.Null) return { failure: Errno.EEXIST, receiverAtFault: true };
  const gained = new Map<number, number>();
  attached.forEach((a, i) => {
    if (a.move) return;
    const object = core.slots.object(from[i]);
    gained.set(object, (gained.get(object) ?? 0) + 1);
  });
  for (const s of from) {
    const type = core.slots.type(s);
    const object = core.slots.object(s);
    // A count never exceeds the limit, so an object gaining nothing passes.
    if (core.life.refs(type, object) + (gained.get(object) ?? 0) > MAX_REFERENCES) return { failure: Errno.ERANGE, receiverAtFault: false };
  }
  return { from, moves: attached.map((a) => a.move), to };
}

/** Moves or copies the capabilities; cannot fail. Returns the landing slots used, as receiver caddrs. */
export function performTransfer(core: Core, plan: TransferPlan, receiverCspace: number): number[] {
  const slots = core.slots;
  for (let i = 0; i < plan.from.length; i++) {
    const s = plan.from[i];
    if (plan.moves[i]) {
      slots.move(plan.to[i], s);
      core.life.suspect(slots.type(plan.to[i]), slots.object(plan.to[i]));
    } else {
      const type = slots.type(s);
      const object = slots.object(s);
      core.life.retain(type, object);
      slots.fill(plan.to[i], type, slots.rights(s), object, slots.badge(s));
    }
  }
  return plan.to.map((s) => s - receiverCspace * 256);
}
