// What every view of a snapshot shares: the names of objects, the capability
// graph (objects as nodes, capabilities as edges from their CSpace labelled
// with slot, rights and badge, task bindings as dashed edges), the runs of
// each Memory area, a task's state in words and a deadlock's explanation.
// `caduceus inspect` draws these as text, DOT and Mermaid (src/cli/render.ts);
// the inspector page draws the same graph and runs in the browser, so this
// module imports nothing but the ABI and types.

import { physOf } from '../abi.ts';
import type { DeadlockedTask } from '../kernel/deadlock.ts';
import type { AreaSnapshot, CapSnapshot, ObjectSnapshot, Snapshot, TaskSnapshot } from '../kernel/snapshot.ts';

const hex = (n: number) => n.toString(16);

/** A stable name for an object: its type and physical address. */
export function objectName(type: string, phys: number): string {
  return `${type.toLowerCase()}_${hex(phys)}`;
}

/** The devices, whose caps name a device number, not an address. */
const DEVICES = new Set(['Console', 'Net']);

/** The graph node a capability points at: its object, or a device (the Console, the Net device), or the caller a Reply cap answers. */
export function capTarget(cap: CapSnapshot): string {
  if (DEVICES.has(cap.type)) return `${cap.type.toLowerCase()}_${cap.object}`;
  if (cap.type === 'Reply') return `reply_to_task_${hex(physOf(cap.object))}`;
  return objectName(cap.type, cap.object);
}

export function rightsText(rights: number): string {
  return `${rights & 1 ? 'R' : ''}${rights & 2 ? 'W' : ''}${rights & 4 ? 'G' : ''}` || '-';
}

export function capLabel(cap: CapSnapshot): string {
  return `${cap.slot}: ${rightsText(cap.rights)}${cap.badge ? ` badge ${cap.badge}` : ''}`;
}

/** A task's state, with the call it is in and what it waits on when it waits. */
export function taskState(t: TaskSnapshot): string {
  if (t.call === null && t.waitsOn === null) return t.state;
  const call = t.call === null ? '' : ` in ${t.call}`;
  const on = t.waitsOn === null ? '' : t.waitsOn === 'answer' ? ', waiting for the answer' : ` on ${objectName(t.waitsOn.type, t.waitsOn.phys)}`;
  return `${t.state}${call}${on}`;
}

export interface GraphNode {
  /** The node's name (objectName, or a Console or Reply target). */
  id: string;
  /** Its type as the kernel names it ('Task', 'Endpoint', ...), 'Console' or 'Reply'. */
  type: string;
  /** Lines of its label: type and address, then its state or free pages. */
  label: string[];
  /** The object it stands for; absent for Console and Reply targets. */
  phys?: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  label: string;
  /** A task's binding (cspace, vspace, fault) rather than a capability. */
  binding: boolean;
  /** The capability, for an edge that is one. */
  cap?: CapSnapshot;
}

export interface Graph {
  nodes: Map<string, GraphNode>;
  edges: GraphEdge[];
}

/** Objects named by a capability or a binding, and the edges between them. */
export function capabilityGraph(snap: Snapshot): Graph {
  const nodes = new Map<string, GraphNode>();
  const byPhys = new Map(snap.objects.map((o) => [o.phys, o]));
  const areas = new Map(snap.areas.map((a) => [a.phys, a]));
  const objectNode = (type: string, phys: number) => {
    const id = objectName(type, phys);
    if (!nodes.has(id)) {
      const o = byPhys.get(phys);
      const label = [`${type} 0x${hex(phys)}`];
      if (o?.state) label.push(o.state);
      if (type === 'Memory') label.push(`${areas.get(phys)?.free ?? '?'} free`);
      nodes.set(id, { id, type, label, phys });
    }
    return id;
  };
  const edges: GraphEdge[] = [];
  for (const cap of snap.caps) {
    const from = objectNode('CSpace', cap.cspace);
    let to = capTarget(cap);
    if (DEVICES.has(cap.type)) nodes.set(to, { id: to, type: cap.type, label: [cap.type] });
    else if (cap.type === 'Reply') nodes.set(to, { id: to, type: 'Reply', label: [`Reply to task 0x${hex(physOf(cap.object))}`] });
    else to = objectNode(cap.type, cap.object);
    edges.push({ from, to, label: capLabel(cap), binding: false, cap });
  }
  for (const t of snap.tasks) {
    const from = objectNode('Task', t.phys);
    if (t.cspace !== null) edges.push({ from, to: objectNode('CSpace', t.cspace), label: 'cspace', binding: true });
    if (t.vspace !== null) edges.push({ from, to: objectNode('VSpace', t.vspace), label: 'vspace', binding: true });
    if (t.fault !== null) edges.push({ from, to: objectNode('Endpoint', t.fault), label: 'fault', binding: true });
  }
  return { nodes, edges };
}

/** A run of pages inside an area: its metadata, an object, or free pages. */
export interface AreaRun {
  from: number;
  pages: number;
  kind: 'metadata' | 'object' | 'free';
  /** The object, for an object run (a child area is a Memory object). */
  object?: ObjectSnapshot;
}

/** An area's runs in address order: its metadata, each object, and the free runs between them. */
export function areaRuns(snap: Snapshot, area: AreaSnapshot, inside = snap.objects.filter((o) => o.area === area.phys)): AreaRun[] {
  const page = snap.pageSize;
  const runs: AreaRun[] = [{ from: area.phys, pages: area.overhead, kind: 'metadata' }];
  let at = area.phys + area.overhead * page;
  const end = area.phys + area.pages * page;
  for (const o of [...inside].sort((a, b) => a.phys - b.phys)) {
    if (o.phys > at) runs.push({ from: at, pages: (o.phys - at) / page, kind: 'free' });
    runs.push({ from: o.phys, pages: o.pages, kind: 'object', object: o });
    at = o.phys + o.pages * page;
  }
  if (end > at) runs.push({ from: at, pages: (end - at) / page, kind: 'free' });
  return runs;
}

/** Each area's objects, by the area's address, in one pass (areaRuns' `inside`). */
export function objectsByArea(snap: Snapshot): Map<number, ObjectSnapshot[]> {
  const by = new Map<number, ObjectSnapshot[]>();
  for (const o of snap.objects) {
    if (o.area === null) continue;
    const list = by.get(o.area);
    if (list) list.push(o);
    else by.set(o.area, [o]);
  }
  return by;
}

/** One line on a deadlocked task: what it waits in and on, and who alone could wake it. */
export function deadlockLine(d: DeadlockedTask): string {
  const names = (tasks: number[]) => tasks.map((t) => objectName('Task', t)).join(', ');
  const task = objectName('Task', d.task);
  if (d.waiting === 'answer') return `${task}: waits for the answer to its call; ${d.holders.length === 0 ? 'no task holds its Reply cap' : `only ${names(d.holders)} could answer it`}`;
  const on = `${objectName(d.object.type, d.object.phys)}${d.caddr === null ? '' : ` (caddr ${d.caddr})`}`;
  return `${task}: blocked in ${d.waiting} on ${on}; ${d.holders.length === 0 ? 'no task holds a cap to it' : `only ${names(d.holders)} could wake it`}`;
}
