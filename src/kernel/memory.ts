// Memory capabilities (docs/semantics.md §3): ALLOC carves objects out of an area,
// GET_FREE_PAGES reports what is left, and a dying Memory object takes with
// it every object still allocated from it (queued on the work list).

import { Errno, MAX_RADIX, ObjectType, Rights, objectPages } from '../abi.ts';
import type { Core, Failure } from './state.ts';
import { invoked, isInteger, resolveDest, slotCount } from './cspace.ts';

/** Largest Memory child: all of the largest physical memory. */
const MAX_MEMORY_SIZE = 1 << 20;

export interface AllocArgs {
  cap?: unknown;
  type?: unknown;
  size?: unknown;
  dest?: unknown;
  count?: unknown;
}

interface AllocPlan {
  area: number;
  type: number;
  size: number;
  pages: number;
  /** First pages of the new objects, ascending. */
  starts: number[];
  /** Destination slot indexes, one per object. */
  slots: number[];
}

function isAllocatable(type: unknown): type is number {
  return isInteger(type) && type >= ObjectType.Memory && type <= ObjectType.Notification;
}

/** The ALLOC size of a type, or -1 when `size` is wrong for it. */
function sizeFor(type: number, size: unknown): number {
  if (type === ObjectType.Memory) {
    return isInteger(size) && size >= 1 && size <= MAX_MEMORY_SIZE ? size : -1;
  }
  if (type === ObjectType.CSpace) {
    return isInteger(size) && size >= 1 && size <= MAX_RADIX ? size : -1;
  }
  return size === undefined ? 0 : -1;
}

/** ALLOC(type, size?, dest, count = 1) on a Memory capability. */
export function decodeAlloc(core: Core, task: number, req: AllocArgs): AllocPlan | Failure {
  const slots = core.slots;
  const cap = invoked(core, task, req.cap, ObjectType.Memory, Rights.WRITE);
  // Stryker disable next-line EqualityOperator: invoked never answers 0 (slot 0 holds no cap; a failure is a negated errno)
  if (cap < 0) return -cap;
  const dest = resolveDest(core, task, req.dest);
  if (typeof dest === 'number') return dest;
  if (!isAllocatable(req.type)) return Errno.EINVAL;
  const type = req.type;
  const size = sizeFor(type, req.size);
  if (size < 0) return Errno.EINVAL;
  const count = req.count === undefined ? 1 : req.count;
  if (!isInteger(count) || count < 1) return Errno.EINVAL;
  // This also keeps `count` to 1 << MAX_RADIX at most: no CSpace has more slots.
  if (dest.index + count > slotCount(core, dest.cspace)) return Errno.EINVAL;
  // Stryker disable next-line ArrayDeclaration: a preallocated length is only an optimisation; every entry is set below
  const targets = new Array<number>(count);
  for (let k = 0; k < count; k++) {
    targets[k] = dest.slot + k;
    if (slots.type(dest.slot + k) !== ObjectType.Null) return Errno.EEXIST;
  }
  const area = slots.object(cap);
  const pages = objectPages(type, size); // objectPages ignores the size 0 of a type that takes none
  const starts = core.areas.plan(area, pages, count);
  if (starts === null) return Errno.ENOMEM;
  return { area, type, size, pages, starts, slots: targets };
}

export function performAlloc(core: Core, plan: AllocPlan): void {
  const { area, type, size, pages, starts } = plan;
  for (let k = 0; k < starts.length; k++) {
    createObject(core, area, starts[k], type, pages, size);
    core.slots.fill(plan.slots[k], type, Rights.ALL, starts[k], 0);
  }
}

/** Makes one zeroed object at `page` of `area` (a Memory child gets its metadata). */
export function createObject(core: Core, area: number, page: number, type: number, pages: number, size: number): void {
  core.areas.take(area, page, pages);
  core.objects.enter(page, type, pages, size, area);
  if (type === ObjectType.Memory) core.areas.init(page, size, area);
  else core.phys.zeroPages(page, pages);
}

/**
 * The kernel's own allocation, for boot: one object from `area` with no
 * capability yet (its first reference is the one the caller installs).
 */
export function placeObject(core: Core, area: number, type: number, size?: number): number {
  const pages = objectPages(type, size);
  const starts = core.areas.plan(area, pages, 1);
  if (starts === null) throw new RangeError(`no room for a ${pages}-page object in the area at page ${area}`);
  createObject(core, area, starts[0], type, pages, size ?? 0);
  return starts[0];
}

/** GET_FREE_PAGES() on a Memory capability: the area to read. */
export function decodeFreePages(core: Core, task: number, caddr: unknown): { area: number } | Failure {
  const slots = core.slots;
  const cap = invoked(core, task, caddr, ObjectType.Memory, Rights.READ);
  // Stryker disable next-line EqualityOperator: invoked never answers 0 (slot 0 holds no cap; a failure is a negated errno)
  if (cap < 0) return -cap;
  return { area: slots.object(cap) };
}

/** First pages of the objects allocated from an area, ascending. */
export function objectsIn(core: Core, area: number): number[] {
  const out: number[] = [];
  const n = core.areas.pagesOf(area);
  let i = core.areas.overheadOf(area);
  for (;;) {
    i = core.areas.nextSet(area, i, n);
    if (i >= n) return out;
    const page = area + i;
    if (core.objects.kind[page] === ObjectType.Null || core.objects.area[page] !== area) {
      throw new Error(`kernel bug: page ${page} is marked in area ${area} but starts no object of it`);
    }
    out.push(page);
    i += core.objects.pages[page];
  }
}

/** A dying Memory object dooms everything still allocated from it. */
export function teardownMemory(core: Core, area: number): void {
  for (const page of objectsIn(core, area)) core.life.doom(page);
}
