// A snapshot of the kernel's state as plain data: every area, object,
// capability and task, named by physical address. `system.snapshot()`
// returns it; dumps and capability graphs are drawn from it.

import { errnoName, ObjectType, Op, opName, PAGE_SIZE, physOf, typeName } from '../abi.ts';
import { AWAITING_ANSWER } from './reply.ts';
import type { Kernel } from './kernel.ts';
import { Life, NO_AREA } from './objects.ts';
import { isDevice, Slots } from './slots.ts';
import { TASK_STATE_NAMES, Tcb, tcbWord } from './tcb.ts';
import { Waiting } from './waits.ts';

export interface AreaSnapshot {
  phys: number;
  pages: number;
  free: number;
  overhead: number;
  fragmented: boolean;
  /** The parent area's address; null for the root area (all of physical memory). */
  parent: number | null;
}

export interface ObjectSnapshot {
  phys: number;
  type: string;
  pages: number;
  refs: number;
  /** The address of the area it was allocated from; null for the root area itself. */
  area: number | null;
  radix?: number;
  state?: string;
}

export interface CapSnapshot {
  /** Address of the CSpace holding the capability. */
  cspace: number;
  slot: number;
  type: string;
  rights: number;
  badge: number;
  /** Address of the object named (a device number for the Console). */
  object: number;
}

export interface TaskSnapshot {
  phys: number;
  state: string;
  cspace: number | null;
  vspace: number | null;
  fault: number | null;
  /** The system call the task is blocked in (or holds while suspended), by name; null if none. */
  call: string | null;
  /** What it waits on: the object it is queued on, or 'answer' for the answer to its call; null if nothing. */
  waitsOn: { type: string; phys: number } | 'answer' | null;
}

export interface Snapshot {
  pageSize: number;
  pages: number;
  areas: AreaSnapshot[];
  objects: ObjectSnapshot[];
  caps: CapSnapshot[];
  tasks: TaskSnapshot[];
  violations: string[];
}

const nullable = (page: number) => (page === 0 ? null : physOf(page));

/** The kernel's state; `check: false` leaves out the invariant check (violations then empty). */
export function takeSnapshot(kernel: Kernel, { check = true } = {}): Snapshot {
  const { core } = kernel;
  const { objects, areas, slots } = core;
  const snap: Snapshot = { pageSize: PAGE_SIZE, pages: core.phys.pages, areas: [], objects: [], caps: [], tasks: [], violations: check ? kernel.check() : [] };
  for (let p = 0; p < core.phys.pages; p++) {
    if (objects.life[p] !== Life.Live) continue;
    const type = objects.kind[p];
    const area = objects.area[p];
    const object: ObjectSnapshot = {
      phys: physOf(p),
      type: typeName(type),
      pages: objects.pages[p],
      refs: area === NO_AREA ? 0 : core.life.refs(type, p),
      area: area === NO_AREA ? null : physOf(area),
    };
    if (type === ObjectType.Memory) {
      snap.areas.push({
        phys: physOf(p),
        pages: areas.pagesOf(p),
        free: areas.freeOf(p),
        overhead: areas.overheadOf(p),
        fragmented: areas.isFragmented(p),
        parent: area === NO_AREA ? null : physOf(area),
      });
    } else if (type === ObjectType.CSpace) {
      object.radix = objects.size[p];
      const first = Slots.index(p, 0);
      for (let i = 0; i < 1 << objects.size[p]; i++) {
        const s = first + i;
        const t = slots.type(s);
        if (t === ObjectType.Null) continue;
        const named = slots.object(s);
        snap.caps.push({
          cspace: physOf(p),
          slot: i,
          type: typeName(t),
          rights: slots.rights(s),
          badge: slots.badge(s),
          object: isDevice(t) || t === ObjectType.Reply ? named : physOf(named),
        });
      }
    } else if (type === ObjectType.Task) {
      const task = taskSnapshot(kernel, p);
      object.state = task.state;
      snap.tasks.push(task);
    }
    snap.objects.push(object);
  }
  return snap;
}

/** The Task object at `page` (live): its state, bindings, and the call it is in. */
export function taskSnapshot(kernel: Kernel, page: number): TaskSnapshot {
  const words = kernel.core.phys.words;
  return {
    phys: physOf(page),
    state: TASK_STATE_NAMES[words[tcbWord(page, Tcb.State)]] ?? 'unknown',
    cspace: nullable(words[tcbWord(page, Tcb.CSpace)]),
    vspace: nullable(words[tcbWord(page, Tcb.VSpace)]),
    fault: nullable(words[tcbWord(page, Tcb.Fault)]),
    ...waitOf(kernel, page),
  };
}

/** The call a task is in and what it waits on, from its kernel-side record. */
function waitOf(kernel: Kernel, task: number): Pick<TaskSnapshot, 'call' | 'waitsOn'> {
  const record = kernel.waits.records.get(task);
  if (!record) return { call: null, waitsOn: null };
  const call = record.waiting === Waiting.ExitMessage ? opName(Op.Exit) : record.call !== null && typeof record.call.op === 'number' ? opName(record.call.op) : null;
  const on = record.blockedOn;
  if (on === AWAITING_ANSWER) return { call, waitsOn: 'answer' };
  if (on <= 0) return { call, waitsOn: null };
  return { call, waitsOn: { type: typeName(kernel.core.objects.kind[on]), phys: physOf(on) } };
}

export interface KernelStats {
  /** System calls decided, by operation name. */
  calls: Record<string, number>;
  /** Failed calls by errno name. */
  errors: Record<string, number>;
  /** Task objects by state. */
  tasks: Record<string, number>;
  /** Free pages of every Memory area, by address. */
  freePages: Record<string, number>;
  objects: number;
}

export function kernelStats(kernel: Kernel): KernelStats {
  const { core } = kernel;
  const calls: Record<string, number> = {};
  kernel.calls.forEach((n, op) => n > 0 && (calls[opName(op)] = n));
  const errors: Record<string, number> = {};
  kernel.failures.forEach((n, errno) => n > 0 && (errors[errnoName(errno) ?? String(errno)] = n));
  const tasks: Record<string, number> = Object.fromEntries(TASK_STATE_NAMES.map((s) => [s, 0]));
  const freePages: Record<string, number> = {};
  let count = 0;
  for (let p = 0; p < core.phys.pages; p++) {
    if (core.objects.life[p] !== Life.Live) continue;
    count++;
    const type = core.objects.kind[p];
    if (type === ObjectType.Task) tasks[TASK_STATE_NAMES[core.phys.words[tcbWord(p, Tcb.State)]] ?? 'unknown']++;
    else if (type === ObjectType.Memory && core.objects.area[p] !== NO_AREA) freePages[`0x${physOf(p).toString(16)}`] = core.areas.freeOf(p);
  }
  return { calls, errors, tasks, freePages, objects: count };
}
