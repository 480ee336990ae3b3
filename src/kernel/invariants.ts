// The invariants of docs/semantics.md §13, checked from first principles: the checker
// recounts everything from physical memory and the object table instead of
// trusting the kernel's own reverse lists, and names each violation in words.
// Items 1-3 in checkInvariants, item 4 (blocked tasks and queues) in checkQueues.

import { MAX_REFERENCES, ObjectType, Rights, SLOT_BYTES, typeName } from '../abi.ts';
import { AREA_MAGIC } from './area.ts';
import type { Core } from './state.ts';
import { OBJECT_MASK } from './lifetime.ts';
import { Life, NO_AREA } from './objects.ts';
import { Slots, isDevice } from './slots.ts';
import { TaskState, Tcb, tcbWord } from './tcb.ts';
import { Waiting } from './waits.ts';

const MAX_TYPE = ObjectType.Connection;

function at(page: number): string {
  return `page ${page}`;
}

/** Every violation of docs/semantics.md §13 items 1-3, in words; empty when all hold. */
export function checkInvariants(core: Core): string[] {
  const out: string[] = [];
  const { objects } = core;
  const pages = core.phys.pages;
  const live: number[] = [];
  for (let p = 0; p < pages; p++) {
    if (objects.life[p] === Life.None) {
      if (objects.kind[p] !== 0) out.push(`${at(p)}: object table has kind ${typeName(objects.kind[p])} but no object`);
      continue;
    }
    if (objects.life[p] !== Life.Live) out.push(`${at(p)}: ${typeName(objects.kind[p])} is still marked dying`);
    live.push(p);
  }
  const children = new Map<number, number[]>();
  for (const p of live) {
    const area = objects.area[p];
    if (area === NO_AREA) continue;
    if (objects.life[area] !== Life.Live || objects.kind[area] !== ObjectType.Memory) {
      out.push(`${at(p)}: ${typeName(objects.kind[p])} belongs to area at ${at(area)}, which is not a live Memory object`);
      continue;
    }
    const list = children.get(area);
    if (list) list.push(p);
    else children.set(area, [p]);
  }
  for (const p of live) {
    if (objects.kind[p] === ObjectType.Memory) checkArea(core, p, children.get(p) ?? [], out);
  }
  checkSlotsAndRefs(core, live, out);
  return out;
}

function checkArea(core: Core, base: number, objs: number[], out: string[]): void {
  const { areas, objects } = core;
  const name = `area at ${at(base)}`;
  if (!areas.isArea(base) || areas.field(base, 0) !== AREA_MAGIC) {
    out.push(`${name}: header magic is missing`);
    return;
  }
  const n = areas.pagesOf(base);
  if (n !== objects.pages[base]) out.push(`${name}: header says ${n} pages but the object has ${objects.pages[base]}`);
  const overhead = areas.overheadOf(base);
  let used = overhead;
  for (let i = 0; i < overhead; i++) {
    if (!areas.isTaken(base, i)) out.push(`${name}: metadata page ${i} is not marked allocated`);
  }
  objs.sort((a, b) => a - b);
  let end = base + overhead;
  for (const p of objs) {
    const size = objects.pages[p];
    const what = `${typeName(objects.kind[p])} at ${at(p)}`;
    if (p < base + overhead || p + size > base + n) {
      out.push(`${name}: ${what} (${size} pages) lies outside the area's allocatable pages`);
    }
    if (p < end) out.push(`${name}: ${what} overlaps the object before it`);
    end = Math.max(end, p + size);
    used += size;
    const taken = areas.countTaken(base, p - base, Math.min(n, p - base + size));
    if (taken !== size) out.push(`${name}: only ${taken} of the ${size} pages of ${what} are marked allocated`);
  }
  const marked = areas.popcount(base);
  if (marked !== used) {
    out.push(`${name}: bitmap marks ${marked} pages, expected ${used} (overhead ${overhead} + ${used - overhead} in ${objs.length} objects)`);
  }
  const free = areas.freeOf(base);
  if (free !== n - marked) out.push(`${name}: free count is ${free}, but ${n} pages less ${marked} marked leaves ${n - marked}`);
  if (areas.liveOf(base) !== objs.length) {
    out.push(`${name}: header counts ${areas.liveOf(base)} live objects, the object table ${objs.length}`);
  }
  const hint = areas.field(base, 8);
  if (areas.nextClear(base, 0, n) < Math.min(hint, n)) out.push(`${name}: a page below the first-fit hint ${hint} is free`);
  if (!areas.isFragmented(base)) {
    const mark = areas.field(base, 3);
    if (marked !== mark || areas.nextClear(base, 0, n) < Math.min(mark, n)) {
      out.push(`${name}: area is fresh but its allocated pages are not exactly the ${mark} below the bump pointer`);
    }
  }
}

function checkSlotsAndRefs(core: Core, live: number[], out: string[]): void {
  const { objects, slots, phys } = core;
  const caps = new Map<number, number>();
  const deviceCaps = new Map<number, number>();
  for (const c of live) {
    if (objects.kind[c] !== ObjectType.CSpace) continue;
    const first = Slots.index(c, 0);
    const count = 1 << objects.size[c];
    for (let s = first; s < first + count; s++) {
      const where = `CSpace at ${at(c)} slot ${s - first}`;
      const type = slots.type(s);
      if (type === ObjectType.Null) {
        const b = s * SLOT_BYTES;
        for (let i = 0; i < 16; i++) {
          if (phys.bytes[b + i] !== 0) {
            out.push(`${where}: Null slot has non-zero byte ${i}`);
            break;
          }
        }
        continue;
      }
      if (type > MAX_TYPE) {
        out.push(`${where}: unknown object type ${type}`);
        continue;
      }
      if (slots.rights(s) > Rights.ALL) out.push(`${where}: rights ${slots.rights(s)} has unknown bits`);
      if (slots.flags(s) !== 0) out.push(`${where}: flags ${slots.flags(s)} are not zero`);
      const object = slots.object(s);
      // (A Reply cap's badge word holds the generation of its call.)
      const badgeable = type === ObjectType.Endpoint || type === ObjectType.Notification || type === ObjectType.Reply;
      if (!badgeable && slots.badge(s) !== 0) out.push(`${where}: ${typeName(type)} cap carries a badge`);
      if (isDevice(type)) {
        deviceCaps.set(object, (deviceCaps.get(object) ?? 0) + 1);
        continue;
      }
      if (type === ObjectType.Reply) continue;
      if (object >= phys.pages || !objects.isLive(object, type)) {
        out.push(`${where}: names a ${typeName(type)} at ${at(object)}, which is not a live object of that type`);
        continue;
      }
      caps.set(object, (caps.get(object) ?? 0) + 1);
    }
  }
  for (const p of live) {
    const type = objects.kind[p];
    if (objects.area[p] === NO_AREA) continue;
    const bindings = objects.bindingCount(p);
    for (const word of objects.binders.get(p) ?? []) {
      if ((phys.words[word] & OBJECT_MASK) !== p) out.push(`${typeName(type)} at ${at(p)}: a recorded binding at word ${word} no longer names it`);
    }
    const expected = (caps.get(p) ?? 0) + bindings;
    const stored = core.life.refs(type, p);
    if (expected === 0) out.push(`${typeName(type)} at ${at(p)}: no capability or binding names it, yet it lives (a leak)`);
    else if (stored !== expected) {
      out.push(`${typeName(type)} at ${at(p)}: stored refcount ${stored}, but ${caps.get(p) ?? 0} caps + ${bindings} bindings name it`);
    }
    if (expected > MAX_REFERENCES) out.push(`${typeName(type)} at ${at(p)}: ${expected} references pass the limit of ${MAX_REFERENCES}`);
    const listed = slots.namers(type, p);
    if (listed.length !== (caps.get(p) ?? 0)) {
      out.push(`${typeName(type)} at ${at(p)}: its list of naming slots has ${listed.length} entries, the CSpaces hold ${caps.get(p) ?? 0}`);
    }
    if (type === ObjectType.Task) checkTaskBindings(core, p, out);
  }
  for (const [device, count] of deviceCaps) {
    if (core.devices.refs[device] !== count) {
      out.push(`${device === 0 ? 'Console' : 'Net'} ${device}: stored refcount ${core.devices.refs[device]}, but ${count} caps name it`);
    }
  }
}

function checkTaskBindings(core: Core, task: number, out: string[]): void {
  const fields: Array<[number, number, string]> = [
    [Tcb.CSpace, ObjectType.CSpace, 'CSpace'],
    [Tcb.VSpace, ObjectType.VSpace, 'VSpace'],
    [Tcb.Fault, ObjectType.Endpoint, 'fault Endpoint'],
  ];
  for (const [field, type, name] of fields) {
    const word = tcbWord(task, field);
    const object = core.phys.words[word];
    if (object === 0) continue;
    if (!core.objects.isLive(object, type)) {
      out.push(`Task at ${at(task)}: its ${name} binding names ${at(object)}, which is not a live ${typeName(type)}`);
    } else if (!(core.objects.binders.get(object) ?? []).includes(word)) {
      out.push(`Task at ${at(task)}: its ${name} binding is not recorded as a reference of ${at(object)}`);
    }
  }
}

/** What invariant 4 looks at: the scheduler's records and the objects' queues. */
export interface QueueView {
  core: Core;
  records: Map<number, { blockedOn: number; waiting: number; replyTo: number; replyGen: number; gen: number }>;
  endpointQueues: Map<number, { senders: Set<number>; receivers: Set<number> }>;
  notificationWaiters: Map<number, Set<number>>;
  /** Tasks waiting on each Listener and Connection. */
  deviceWaiters: Map<number, Set<number>>;
  awaitingAnswer: number;
}

/** Invariant 4: each blocked task is queued on exactly one object, and each queue holds only tasks blocked on it. */
export function checkQueues(view: QueueView): string[] {
  const out: string[] = [];
  const { core, records } = view;
  const words = core.phys.words;
  const where = new Map<number, number[]>();
  const note = (task: number, object: number) => {
    const list = where.get(task);
    if (list) list.push(object);
    else where.set(task, [object]);
  };
  const queued = (task: number, object: number, what: string) => {
    note(task, object);
    const record = records.get(task);
    const state = core.objects.isLive(task, ObjectType.Task) ? words[tcbWord(task, Tcb.State)] : -1;
    // An ended task whose exit message waits for a receiver stays queued as a sender.
    const phantom = record?.waiting === Waiting.ExitMessage && state === TaskState.Exited;
    if (!record || record.blockedOn !== object || (state !== TaskState.Blocked && !phantom)) {
      out.push(`${what} at ${at(object)} holds Task at ${at(task)}, which is not blocked on it`);
    }
  };
  for (const [object, q] of view.endpointQueues) {
    if (!core.objects.isLive(object, ObjectType.Endpoint)) out.push(`a queue is kept for ${at(object)}, which is not a live Endpoint`);
    for (const t of q.senders) queued(t, object, 'Endpoint send queue');
    for (const t of q.receivers) queued(t, object, 'Endpoint receive queue');
  }
  for (const [object, waiting] of view.notificationWaiters) {
    if (!core.objects.isLive(object, ObjectType.Notification)) out.push(`waiters are kept for ${at(object)}, which is not a live Notification`);
    for (const t of waiting) queued(t, object, 'Notification');
  }
  for (const [object, waiting] of view.deviceWaiters) {
    const kind = core.objects.kind[object];
    if (core.objects.life[object] !== Life.Live || (kind !== ObjectType.Listener && kind !== ObjectType.Connection)) {
      out.push(`waiters are kept for ${at(object)}, which is not a live Listener or Connection`);
    }
    for (const t of waiting) queued(t, object, typeName(kind));
  }
  const answerers = new Map<number, number>();
  for (const record of records.values()) if (record.replyTo !== 0) answerers.set(record.replyTo, (answerers.get(record.replyTo) ?? 0) + 1);
  for (let p = 0; p < core.phys.pages; p++) {
    if (core.objects.kind[p] !== ObjectType.CSpace || core.objects.life[p] !== Life.Live) continue;
    const first = Slots.index(p, 0);
    for (let s = first; s < first + (1 << core.objects.size[p]); s++) {
      if (core.slots.type(s) !== ObjectType.Reply) continue;
      const caller = core.slots.object(s);
      if (records.get(caller)?.gen === core.slots.badge(s)) answerers.set(caller, (answerers.get(caller) ?? 0) + 1);
    }
  }
  for (const [task, record] of records) {
    if (!core.objects.isLive(task, ObjectType.Task)) {
      out.push(`the scheduler keeps a record for ${at(task)}, which is not a live Task`);
      continue;
    }
    const state = words[tcbWord(task, Tcb.State)];
    if (state !== TaskState.Blocked) continue;
    if (record.blockedOn === view.awaitingAnswer) {
      const n = answerers.get(task) ?? 0;
      if (n !== 1) out.push(`Task at ${at(task)} waits for an answer, but ${n} Reply caps promise one`);
      continue;
    }
    const places = where.get(task) ?? [];
    if (places.length !== 1 || places[0] !== record.blockedOn) {
      out.push(`Task at ${at(task)} is blocked on ${at(record.blockedOn)} but is queued on ${places.length === 0 ? 'nothing' : places.map(at).join(', ')}`);
    }
  }
  return out;
}
