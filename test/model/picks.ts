// Arguments of the model-based test's commands. Commands are generated before
// the run, so they carry "picks" (small random numbers) that are resolved
// against the reference model's state when the command runs: a pick of kind
// 'used' names the k-th (mod n) occupied slot of init's working range, and so
// on. Sequences stay meaningful and still shrink well.

import fc from 'fast-check';
import { ObjectType as T, Op } from '../../src/abi.ts';
import { type Cap, RefKernel } from './reference.ts';

/** Init slots below this form the working range; allocations land from slot 16 on. */
export const WORK_END = 256;
/** Bulk copies (driving objects to 256 references) land from here on. */
export const BULK_BASE = 1024;
const FIRST_FREE = 16;

export type Pick =
  | { kind: 'used'; k: number }
  | { kind: 'typed'; type: number; k: number }
  | { kind: 'bulk'; k: number }
  | { kind: 'free'; k: number }
  | { kind: 'raw'; value: unknown };

export type DestPick = { kind: 'own'; pick: Pick } | { kind: 'via'; cs: Pick; index: number; mode: 'free' | 'used' | 'wild' };

/** Values no caddr should accept. */
export const badCaddr = fc.constantFrom<unknown>(
  -1, 65536, 1.5, NaN, Infinity, -0.5, 2 ** 32, '3', null, undefined, true, [], {}, [2],
);

/** A caddr pick: mostly a slot in use (of `type` when given); `clean` picks are rarely wrong. */
export function pickArb(type?: number, clean = false): fc.Arbitrary<Pick> {
  const main = fc.nat(999).map((k): Pick => (type === undefined ? { kind: 'used', k } : { kind: 'typed', type, k }));
  return fc.oneof(
    { weight: clean ? 60 : 16, arbitrary: main },
    { weight: 2, arbitrary: fc.nat(999).map((k): Pick => ({ kind: 'used', k })) },
    { weight: 1, arbitrary: fc.nat(299).map((k): Pick => ({ kind: 'bulk', k })) },
    { weight: 1, arbitrary: fc.nat(3).map((k): Pick => ({ kind: 'free', k })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 70 }).map((value): Pick => ({ kind: 'raw', value })) },
    { weight: 1, arbitrary: badCaddr.map((value): Pick => ({ kind: 'raw', value })) },
  );
}

export function destArb(usedMode = false): fc.Arbitrary<DestPick> {
  const via = fc.record({ cs: pickArb(T.CSpace), index: fc.nat(70) });
  const mode = usedMode ? 'used' : 'free';
  return fc.oneof(
    { weight: 8, arbitrary: fc.nat(usedMode ? 999 : 3).map((k): DestPick => ({ kind: 'own', pick: { kind: mode, k } })) },
    { weight: 1, arbitrary: pickArb().map((pick): DestPick => ({ kind: 'own', pick })) },
    { weight: 3, arbitrary: via.map(({ cs, index }): DestPick => ({ kind: 'via', cs, index, mode })) },
    { weight: 1, arbitrary: via.map(({ cs, index }): DestPick => ({ kind: 'via', cs, index, mode: 'wild' })) },
  );
}

function usedIn(slots: Map<number, Cap>, lo: number, hi: number): number[] {
  return [...slots.keys()].filter((i) => i >= lo && i < hi).sort((a, b) => a - b);
}

function nthFree(slots: Map<number, Cap>, lo: number, hi: number, k: number): number {
  for (let i = lo, seen = 0; i < hi; i++) if (!slots.has(i) && seen++ === k) return i;
  return lo;
}

export function resolvePick(ref: RefKernel, p: Pick): unknown {
  const slots = ref.initSlots();
  const choose = (list: number[], k: number): number => (list.length > 0 ? list[k % list.length] : FIRST_FREE + (k % 8));
  switch (p.kind) {
    case 'used':
      return choose(usedIn(slots, 0, WORK_END), p.k);
    case 'typed': {
      const isType = (i: number) => slots.get(i)?.type === p.type;
      const typed = usedIn(slots, 0, WORK_END).filter(isType);
      const bulk = typed.length > 0 ? [] : bulkUsed(ref).filter(isType);
      return choose(typed.length > 0 ? typed : bulk.length > 0 ? bulk : usedIn(slots, 0, WORK_END), p.k);
    }
    case 'bulk':
      return choose(usedIn(slots, BULK_BASE, BULK_BASE + 1024), p.k);
    case 'free':
      return nthFree(slots, FIRST_FREE, WORK_END, p.k);
    case 'raw':
      return p.value;
  }
}

/** The CSpace a caddr names in init's CSpace, if it holds a CSpace cap. */
function cspaceSlots(ref: RefKernel, caddr: unknown): { slots: Map<number, Cap>; size: number } | null {
  const cap = typeof caddr === 'number' ? ref.capAt(caddr) : undefined;
  if (cap?.type !== T.CSpace) return null;
  const o = ref.obj(cap.obj);
  return { slots: o.slots as Map<number, Cap>, size: 2 ** (o.radix as number) };
}

export function resolveDest(ref: RefKernel, d: DestPick): unknown {
  if (d.kind === 'own') return resolvePick(ref, d.pick);
  const cspace = resolvePick(ref, d.cs);
  const target = cspaceSlots(ref, cspace);
  if (d.mode === 'wild') return { cspace, slot: d.index };
  if (!target) return resolvePick(ref, d.mode === 'used' ? { kind: 'used', k: d.index } : { kind: 'free', k: d.index % 4 });
  const hi = Math.min(target.size, WORK_END);
  const used = usedIn(target.slots, 0, hi);
  if (d.mode === 'used' && used.length > 0) return { cspace, slot: used[d.index % used.length] };
  const free = hi - used.length;
  return { cspace, slot: free > 0 ? nthFree(target.slots, 0, hi, d.index % free) : d.index % target.size };
}

/** The capability a destroy target names, as far as the model can tell. */
function targetCap(ref: RefKernel, target: unknown): Cap | undefined {
  if (typeof target === 'number') return ref.capAt(target);
  if (typeof target !== 'object' || target === null) return undefined;
  const { cspace, slot } = target as { cspace?: unknown; slot?: unknown };
  return typeof slot === 'number' ? cspaceSlots(ref, cspace)?.slots.get(slot) : undefined;
}

/**
 * Whether a destroy target names init's Task or a boot Memory object.
 * Destroying those ends a run's interest (init gone, or all memory revoked),
 * so most destroys spare them.
 */
export function namesVital(ref: RefKernel, target: unknown): boolean {
  const cap = targetCap(ref, target);
  return cap !== undefined && (cap.obj === ref.initTask || ref.bootMemory.includes(cap.obj));
}

/** The first `n` Null slots of the bulk range. */
export function bulkFree(ref: RefKernel, n: number): number[] {
  const slots = ref.initSlots();
  const out: number[] = [];
  for (let i = BULK_BASE; out.length < n; i++) if (!slots.has(i)) out.push(i);
  return out;
}

export function bulkUsed(ref: RefKernel): number[] {
  return usedIn(ref.initSlots(), BULK_BASE, 1 << 16);
}

/** A small valid object to allocate. */
export const smallObject: fc.Arbitrary<{ type: number; size?: number }> = fc.oneof(
  fc.integer({ min: 1, max: 12 }).map((size) => ({ type: T.Memory, size })),
  fc.integer({ min: 1, max: 9 }).map((size) => ({ type: T.CSpace, size })),
  fc.constantFrom(T.Task, T.Endpoint, T.Notification, T.Page).map((type) => ({ type })),
);

/** ALLOC's type and size: mostly valid (small), sometimes malformed. */
export const typeAndSize: fc.Arbitrary<{ type: unknown; size?: unknown }> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 48 }).map((size) => ({ type: T.Memory, size })) },
  { weight: 1, arbitrary: fc.integer({ min: 49, max: 400 }).map((size) => ({ type: T.Memory, size })) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 4 }).map((size) => ({ type: T.CSpace, size })) },
  { weight: 1, arbitrary: fc.integer({ min: 8, max: 10 }).map((size) => ({ type: T.CSpace, size })) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(T.VSpace, T.Task, T.Page, T.PageTable, T.Endpoint, T.Notification).map((type) => ({ type })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<{ type: unknown; size?: unknown }>(
      { type: T.Endpoint, size: 1 },
      { type: T.Task, size: null },
      { type: T.CSpace },
      { type: T.CSpace, size: 0 },
      { type: T.CSpace, size: 17 },
      { type: T.Memory, size: 0 },
      { type: T.Memory, size: 1.5 },
      { type: T.Memory, size: 2 ** 20 + 1 },
      { type: T.Null },
      { type: T.Reply },
      { type: T.Console },
      { type: 11 },
      { type: 2.5, size: 1 },
      { type: '7' },
      { type: undefined },
    ),
  },
);

export const countArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, 65537, '2', null, 65536, 20) },
);

export const rightsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 7 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(8, -1, 1.5, '7', null) },
);

export const badgeArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0xffffffff, 2 ** 32, -1, 0.5, '1', null) },
);

/**
 * Operations outside the model, keyed by the one object type each may be
 * invoked on. Invoked on any other cap they must fail before doing anything
 * (docs/semantics.md §12: EBADF for a bad or Null caddr, else ENOTSUP), so the model
 * covers them there; the command swaps in an unknown op code otherwise.
 */
export const FOREIGN_OPS: ReadonlyMap<number, readonly number[]> = new Map([
  [Op.Send, [T.Endpoint]],
  [Op.NbSend, [T.Endpoint]],
  [Op.Call, [T.Endpoint]],
  [Op.Recv, [T.Endpoint]],
  [Op.NbRecv, [T.Endpoint]],
  [Op.ReplyRecv, [T.Endpoint]],
  [Op.Signal, [T.Notification]],
  [Op.Wait, [T.Notification]],
  [Op.Poll, [T.Notification]],
  [Op.Start, [T.Task]],
  [Op.Suspend, [T.Task]],
  [Op.Resume, [T.Task]],
  [Op.Print, [T.Console]],
  [Op.Map, [T.Page, T.PageTable]],
  [Op.Unmap, [T.VSpace]],
]);

/** Operation codes for otherOp: the foreign ones and codes that name no operation. */
export const otherOp = fc.constantFrom<unknown>(...FOREIGN_OPS.keys(), 0, 30, 64, 99, -1, 1.5, NaN, '1', null, undefined);
