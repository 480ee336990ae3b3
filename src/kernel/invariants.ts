// The invariants of kernel.md 13, checked from first principles: the checker
// recounts everything from physical memory and the object table instead of
// trusting the kernel's own reverse lists, and names each violation in words.
// Items 1-3 here; the blocked-task queues (item 4) arrive with IPC.

import { MAX_REFERENCES, ObjectType, Rights, SLOT_BYTES, typeName } from './abi.ts';
import { AREA_MAGIC } from './area.ts';
import type { Core } from './core.ts';
import { Life, NO_AREA } from './objects.ts';
import { Slots, isDevice } from './slots.ts';
import { Tcb, tcbWord } from './tcb.ts';

const MAX_TYPE = ObjectType.Console;

function at(page: number): string {
  return `page ${page}`;
}

/** Every violation of kernel.md 13 items 1-3, in words; empty when all hold. */
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
      const badgeable = type === ObjectType.Endpoint || type === ObjectType.Notification;
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
      if (phys.words[word] !== p) out.push(`${typeName(type)} at ${at(p)}: a recorded binding at word ${word} no longer names it`);
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
      out.push(`Console ${device}: stored refcount ${core.devices.refs[device]}, but ${count} caps name it`);
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
