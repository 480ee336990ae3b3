// A reference model of docs/semantics.md §1-6 and §12 for Memory areas and
// CSpaces, written to be obviously correct rather than fast. It shares nothing
// with src/kernel but the ABI numbers and sizing functions of abi.ts.
//
// - Physical memory is a tree of areas; each area is a plain array of page
//   flags (true = taken), its metadata pages taken from the start.
// - Placement: bump pointer while the area has never seen a free, first fit
//   (lowest run long enough) afterwards, fresh again once it is empty.
// - References are never stored: an object's count is recomputed by counting
//   the capabilities and bindings that name it. After every operation, objects
//   with no reference left die (a fixpoint), and a dying Memory takes everything
//   allocated from it (at any depth) along.
// - Cycles (docs/decisions.md D18): objects that no running task can reach
//   through capabilities and bindings die too, as a plain mark from the
//   running tasks (only init runs here). The core's walk gives up past 512
//   objects; these tests never build groups that large.
// - Only init calls (its CSpace binding cannot change: init is never inactive),
//   so caddrs are always looked up in init's CSpace.

import { Errno, type Identity, ObjectType as T, Op, Rights, memoryOverheadPages, objectPages } from '../../src/abi.ts';

export const PAGE_BYTES = 4096;
export const REF_LIMIT = 256;
export const INIT_RADIX = 16;
export const InitSlots = { cspace: 0, vspace: 1, task: 2, console: 3, memory: 16 } as const;
/** The Console device's object id in the model (devices occupy no pages). */
export const CONSOLE = -1;
const ROOT = 0;
/** D18: collect what no running task can reach. False gives pure reference counting (docs/semantics.md §3-4 alone). */
export const COLLECT_CYCLES = true;
const MAX_COUNT = 1 << 16;
const MAX_MEMORY_SIZE = 1 << 20;

/** A capability; `obj` is the object's first page, or CONSOLE. */
export type Cap = { type: number; rights: number; badge: number; obj: number };
export type { Identity };
export type Result = { errno: number; value?: unknown };
/** A Memory area: page flags (true = taken) and the placement state; `mark` is the bump pointer. */
type Area = { used: boolean[]; overhead: number; fragmented: boolean; mark: number };
/** A Task's bindings: first pages of the bound objects, 0 when unbound. */
type Binding = { cspace: number; vspace: number; fault: number; faultBadge: number };

export interface Obj {
  type: number;
  start: number;
  pages: number;
  /** First page of the Memory it came from; -1 for the root area. */
  parent: number;
  area?: Area;
  radix?: number;
  slots?: Map<number, Cap>;
  bind?: Binding;
  /** Only init's Task runs; every other Task stays inactive here. */
  running?: boolean;
}

/** A slot: index `index` of the CSpace object `cs`. */
type Slot = { cs: Obj; index: number };

function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

function newArea(pages: number): Area {
  const overhead = memoryOverheadPages(pages);
  const used = new Array<boolean>(pages).fill(false);
  for (let i = 0; i < overhead; i++) used[i] = true;
  return { used, overhead, fragmented: false, mark: overhead };
}

/** Lowest index of a run of `len` false entries, or -1. */
function firstFit(used: boolean[], len: number): number {
  for (let i = 0; i + len <= used.length; i++) {
    let j = 0;
    while (j < len && !used[i + j]) j++;
    if (j === len) return i;
  }
  return -1;
}

/** Area indexes for `count` objects of `pages` pages, one after another; null if they do not all fit. */
function place(area: Area, pages: number, count: number): number[] | null {
  const used = area.used.slice();
  let mark = area.mark;
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const at = area.fragmented ? firstFit(used, pages) : mark;
    if (at < 0 || at + pages > used.length) return null;
    for (let j = 0; j < pages; j++) used[at + j] = true;
    mark = at + pages;
    out.push(at);
  }
  return out;
}

export class RefKernel {
  readonly objects = new Map<number, Obj>();
  readonly initTask: number;
  readonly initCSpace: number;
  readonly initVSpace: number;
  /** The Memory objects boot handed to init. */
  readonly bootMemory: number[] = [];
  /** Objects that died in the last operation. */
  lastDeaths: Obj[] = [];
  private counts: Map<number, number> | null = null;

  constructor(pages: number, regions?: number[]) {
    this.objects.set(ROOT, { type: T.Memory, start: ROOT, pages, parent: -1, area: newArea(pages) });
    this.initCSpace = this.create(ROOT, T.CSpace, INIT_RADIX);
    this.initTask = this.create(ROOT, T.Task, 0);
    this.initVSpace = this.create(ROOT, T.VSpace, 0);
    const task = this.obj(this.initTask);
    task.running = true;
    task.bind = { cspace: this.initCSpace, vspace: this.initVSpace, fault: 0, faultBadge: 0 };
    const put = (i: number, type: number, obj: number) => this.initSlots().set(i, { type, rights: Rights.ALL, badge: 0, obj });
    put(InitSlots.cspace, T.CSpace, this.initCSpace);
    put(InitSlots.vspace, T.VSpace, this.initVSpace);
    put(InitSlots.task, T.Task, this.initTask);
    put(InitSlots.console, T.Console, CONSOLE);
    const left = this.freePages(ROOT);
    (regions ?? [left]).forEach((size, i) => {
      this.bootMemory.push(this.create(ROOT, T.Memory, size));
      put(InitSlots.memory + i, T.Memory, this.bootMemory[i]);
    });
  }

  // ---- queries the test uses to aim its commands ----

  obj(start: number): Obj {
    const o = this.objects.get(start);
    if (!o) throw new Error(`model: no object at page ${start}`);
    return o;
  }
  initSlots(): Map<number, Cap> {
    return this.obj(this.initCSpace).slots as Map<number, Cap>;
  }
  get initAlive(): boolean {
    return this.objects.has(this.initTask);
  }
  /** Init's capability at a caddr (undefined when Null). */
  capAt(caddr: number): Cap | undefined {
    return this.initSlots().get(caddr);
  }
  freePages(area: number): number {
    return this.obj(area).area?.used.filter((u) => !u).length ?? 0;
  }
  /** References of every object: capabilities naming it plus bindings. */
  refCounts(): Map<number, number> {
    if (this.counts) return this.counts;
    const counts = new Map<number, number>();
    const add = (obj: number) => counts.set(obj, (counts.get(obj) ?? 0) + 1);
    for (const o of this.objects.values()) {
      for (const cap of o.slots?.values() ?? []) add(cap.obj);
      if (o.bind) for (const b of [o.bind.cspace, o.bind.vspace, o.bind.fault]) if (b !== 0) add(b);
    }
    this.counts = counts;
    return counts;
  }
  refs(obj: number): number {
    return this.refCounts().get(obj) ?? 0;
  }

  // ---- the system call interface ----

  invoke(request: unknown): Result {
    this.lastDeaths = [];
    if (typeof request !== 'object' || request === null) return { errno: Errno.EINVAL };
    const r = request as Record<string, unknown>;
    switch (r.op) {
      case Op.Identify:
        return this.identify(r.cap);
      case Op.Alloc:
        return this.alloc(r);
      case Op.FreePages: {
        const cap = this.lookupCap(r.cap);
        if (typeof cap === 'number') return { errno: cap };
        if (cap.type !== T.Memory) return { errno: Errno.ENOTSUP };
        if ((cap.rights & Rights.READ) === 0) return { errno: Errno.EPERM };
        return { errno: 0, value: this.freePages(cap.obj) };
      }
      case Op.Copy:
        return this.copy(r);
      case Op.Move:
        return this.move(r);
      case Op.Destroy:
        return this.destroy(r.caps);
      case Op.Configure:
        return this.configure(r);
      default: {
        // Any other operation, invoked on a cap whose type lacks it (the test
        // never sends IPC or task control to the object that has it).
        const cap = this.lookupCap(r.cap);
        return { errno: typeof cap === 'number' ? cap : Errno.ENOTSUP };
      }
    }
  }

  private lookup(caddr: unknown): Slot | null {
    return isInt(caddr, 0, 2 ** INIT_RADIX - 1) ? { cs: this.obj(this.initCSpace), index: caddr } : null;
  }
  private read(s: Slot): Cap | undefined {
    return s.cs.slots?.get(s.index);
  }
  /** The capability at a caddr: EBADF when the caddr is bad or the slot Null. */
  private lookupCap(caddr: unknown): Cap | number {
    const s = this.lookup(caddr);
    const cap = s && this.read(s);
    return cap ?? Errno.EBADF;
  }
  private resolveDest(dest: unknown): Slot | number {
    if (typeof dest !== 'object' || dest === null) return this.lookup(dest) ?? Errno.EBADF;
    const { cspace, slot } = dest as { cspace?: unknown; slot?: unknown };
    const cap = this.lookupCap(cspace);
    if (typeof cap === 'number' || cap.type !== T.CSpace) return Errno.EBADF;
    if ((cap.rights & Rights.WRITE) === 0) return Errno.EPERM;
    const cs = this.obj(cap.obj);
    return isInt(slot, 0, 2 ** (cs.radix as number) - 1) ? { cs, index: slot } : Errno.EBADF;
  }

  private identify(caddr: unknown): Result {
    const s = this.lookup(caddr);
    if (!s) return { errno: Errno.EBADF };
    const cap = this.read(s);
    if (!cap) return { errno: 0, value: { type: T.Null, rights: 0, badge: 0 } };
    const id: Identity = { type: cap.type, rights: cap.rights, badge: cap.badge };
    if (cap.type !== T.Console) {
      const o = this.obj(cap.obj);
      id.phys = o.start * PAGE_BYTES;
      id.pages = o.pages;
    }
    id.refs = this.refs(cap.obj);
    if (cap.type === T.CSpace) id.radix = this.obj(cap.obj).radix;
    // The model never starts a task: only init runs.
    if (cap.type === T.Task) id.state = cap.obj === this.initTask ? 'ready' : 'inactive';
    return { errno: 0, value: id };
  }

  private alloc(r: Record<string, unknown>): Result {
    const mem = this.lookupCap(r.cap);
    if (typeof mem === 'number') return { errno: mem };
    if (mem.type !== T.Memory) return { errno: Errno.ENOTSUP };
    if ((mem.rights & Rights.WRITE) === 0) return { errno: Errno.EPERM };
    const dest = this.resolveDest(r.dest);
    if (typeof dest === 'number') return { errno: dest };
    const type = r.type;
    if (!isInt(type, T.Memory, T.Notification)) return { errno: Errno.EINVAL };
    let size = 0;
    if (type === T.Memory || type === T.CSpace) {
      if (!isInt(r.size, 1, type === T.Memory ? MAX_MEMORY_SIZE : 16)) return { errno: Errno.EINVAL };
      size = r.size;
    } else if (r.size !== undefined) return { errno: Errno.EINVAL };
    const count = r.count === undefined ? 1 : r.count;
    if (!isInt(count, 1, MAX_COUNT)) return { errno: Errno.EINVAL };
    if (dest.index + count > 2 ** (dest.cs.radix as number)) return { errno: Errno.EINVAL };
    for (let k = 0; k < count; k++) if (this.read({ cs: dest.cs, index: dest.index + k })) return { errno: Errno.EEXIST };
    const area = this.obj(mem.obj).area as Area;
    if (!place(area, objectPages(type, size || undefined), count)) return { errno: Errno.ENOMEM };
    for (let k = 0; k < count; k++) {
      const start = this.create(mem.obj, type, size);
      dest.cs.slots?.set(dest.index + k, { type, rights: Rights.ALL, badge: 0, obj: start });
    }
    this.changed();
    return { errno: 0 };
  }

  /** Places and enters one new object in the area at `parent` (the caller checked it fits). */
  private create(parent: number, type: number, size: number): number {
    const area = this.obj(parent).area as Area;
    const pages = objectPages(type, size || undefined);
    const at = (place(area, pages, 1) as number[])[0];
    for (let j = 0; j < pages; j++) area.used[at + j] = true;
    if (!area.fragmented) area.mark = at + pages;
    const o: Obj = { type, start: parent + at, pages, parent };
    if (type === T.Memory) o.area = newArea(size);
    if (type === T.CSpace) {
      o.radix = size;
      o.slots = new Map();
    }
    if (type === T.Task) o.bind = { cspace: 0, vspace: 0, fault: 0, faultBadge: 0 };
    this.objects.set(o.start, o);
    this.changed();
    return o.start;
  }

  private copy(r: Record<string, unknown>): Result {
    const src = this.lookupCap(r.cap);
    if (typeof src === 'number') return { errno: src };
    if (src.type === T.Reply) return { errno: Errno.ENOTSUP };
    const dest = this.resolveDest(r.dest);
    if (typeof dest === 'number') return { errno: dest };
    const mask = r.rights === undefined ? Rights.ALL : r.rights;
    if (!isInt(mask, 0, Rights.ALL)) return { errno: Errno.EINVAL };
    let badge = src.badge;
    if (r.badge !== undefined) {
      if (!isInt(r.badge, 0, 0xffffffff)) return { errno: Errno.EINVAL };
      if (src.type !== T.Endpoint && src.type !== T.Notification) return { errno: Errno.EINVAL };
      if (src.badge !== 0) return { errno: Errno.EINVAL };
      badge = r.badge;
    }
    if (this.read(dest)) return { errno: Errno.EEXIST };
    if (this.refs(src.obj) + 1 > REF_LIMIT) return { errno: Errno.ERANGE };
    dest.cs.slots?.set(dest.index, { ...src, rights: src.rights & mask, badge });
    this.changed();
    return { errno: 0 };
  }

  private move(r: Record<string, unknown>): Result {
    const s = this.lookup(r.cap);
    const cap = s && this.read(s);
    if (!s || !cap) return { errno: Errno.EBADF };
    const dest = this.resolveDest(r.dest);
    if (typeof dest === 'number') return { errno: dest };
    if (this.read(dest)) return { errno: Errno.EEXIST };
    s.cs.slots?.delete(s.index);
    dest.cs.slots?.set(dest.index, cap);
    this.changed();
    this.collect();
    return { errno: 0 };
  }

  private destroy(caps: unknown): Result {
    if (!Array.isArray(caps) || caps.length > MAX_COUNT) return { errno: Errno.EINVAL };
    const targets: Slot[] = [];
    for (const c of caps) {
      const s = this.resolveDest(c);
      if (typeof s === 'number') return { errno: s };
      targets.push(s);
    }
    for (const s of targets) {
      if (!this.objects.has(s.cs.start) || !this.read(s)) continue; // emptied by an earlier one
      s.cs.slots?.delete(s.index);
      this.changed();
      this.collect();
    }
    return { errno: 0 };
  }

  private configure(r: Record<string, unknown>): Result {
    const cap = this.lookupCap(r.cap);
    if (typeof cap === 'number') return { errno: cap };
    if (cap.type !== T.Task) return { errno: Errno.ENOTSUP };
    if ((cap.rights & Rights.WRITE) === 0) return { errno: Errno.EPERM };
    const cs = this.lookupCap(r.cspace);
    if (typeof cs === 'number' || cs.type !== T.CSpace) return { errno: Errno.EBADF };
    const optional = (caddr: unknown, type: number): Cap | null | undefined => {
      if (caddr === undefined) return null;
      const c = this.lookupCap(caddr);
      return typeof c === 'number' || c.type !== type ? undefined : c;
    };
    const vs = optional(r.vspace, T.VSpace);
    const ft = optional(r.fault, T.Endpoint);
    if (vs === undefined || ft === undefined) return { errno: Errno.EBADF };
    const task = this.obj(cap.obj);
    if (task.running) return { errno: Errno.EBUSY };
    const old = task.bind as Binding;
    const next: Binding = { cspace: cs.obj, vspace: vs?.obj ?? 0, fault: ft?.obj ?? 0, faultBadge: ft?.badge ?? 0 };
    const fields = ['cspace', 'vspace', 'fault'] as const;
    for (const f of fields) {
      if (next[f] !== 0 && next[f] !== old[f] && this.refs(next[f]) + 1 > REF_LIMIT) return { errno: Errno.ERANGE };
    }
    task.bind = next;
    this.changed();
    this.collect();
    return { errno: 0 };
  }

  // ---- lifetime ----

  private changed(): void {
    this.counts = null;
  }

  /** Destroys objects left without references, or unreachable, until none is left (devices and the root area never die). */
  private collect(): void {
    for (;;) {
      const counts = this.refCounts();
      const reached = COLLECT_CYCLES ? this.reachable() : null;
      const dead = [...this.objects.values()].filter(
        (o) => o.start !== ROOT && (!counts.get(o.start) || (reached !== null && !reached.has(o.start))),
      );
      if (dead.length === 0) return;
      for (const o of dead) if (this.objects.has(o.start)) this.kill(o);
    }
  }

  /** Objects reachable from the running tasks through capabilities and bindings. */
  private reachable(): Set<number> {
    const seen = new Set<number>();
    const todo = [...this.objects.values()].filter((o) => o.running).map((o) => o.start);
    while (todo.length > 0) {
      const o = this.objects.get(todo.pop() as number);
      if (!o || seen.has(o.start)) continue;
      seen.add(o.start);
      for (const cap of o.slots?.values() ?? []) todo.push(cap.obj);
      if (o.bind) todo.push(o.bind.cspace, o.bind.vspace, o.bind.fault);
    }
    return seen;
  }

  /** Destroys `victim` and everything allocated from it, at any depth. */
  private kill(victim: Obj): void {
    const doomed = new Set<number>([victim.start]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const o of this.objects.values()) {
        if (!doomed.has(o.start) && doomed.has(o.parent)) {
          doomed.add(o.start);
          grew = true;
        }
      }
    }
    for (const start of doomed) {
      const o = this.obj(start);
      this.objects.delete(start);
      this.lastDeaths.push(o);
      if (!doomed.has(o.parent)) this.giveBack(o);
    }
    for (const o of this.objects.values()) {
      for (const [i, cap] of o.slots ?? []) if (doomed.has(cap.obj)) o.slots?.delete(i);
      if (o.bind) {
        if (doomed.has(o.bind.cspace)) o.bind.cspace = 0;
        if (doomed.has(o.bind.vspace)) o.bind.vspace = 0;
        if (doomed.has(o.bind.fault)) o.bind.fault = 0;
      }
    }
    this.changed();
  }

  private giveBack(o: Obj): void {
    const parent = this.obj(o.parent);
    const area = parent.area as Area;
    for (let j = 0; j < o.pages; j++) area.used[o.start - parent.start + j] = false;
    const empty = ![...this.objects.values()].some((x) => x.parent === parent.start);
    area.fragmented = !empty;
    if (empty) area.mark = area.overhead;
  }
}
