// Views of a snapshot: a text dump of objects and CSpaces in the spirit of
// seL4's capDL, a memory map per area, and capability graphs in DOT and
// Mermaid (objects as nodes, capabilities as edges labelled with slot,
// rights and badge; task bindings as dashed edges).

import { physOf } from '../abi.ts';
import type { DeadlockedTask } from '../kernel/deadlock.ts';
import type { CapSnapshot, ObjectSnapshot, Snapshot, TaskSnapshot } from '../kernel/snapshot.ts';

const hex = (n: number) => n.toString(16);

/** A stable name for an object: its type and physical address. */
export function objectName(type: string, phys: number): string {
  return `${type.toLowerCase()}_${hex(phys)}`;
}

function capTarget(cap: CapSnapshot): string {
  if (cap.type === 'Console') return `console_${cap.object}`;
  if (cap.type === 'Reply') return `reply_to_task_${hex(physOf(cap.object))}`;
  return objectName(cap.type, cap.object);
}

export function rightsText(rights: number): string {
  return `${rights & 1 ? 'R' : ''}${rights & 2 ? 'W' : ''}${rights & 4 ? 'G' : ''}` || '-';
}

function capLabel(cap: CapSnapshot): string {
  return `${cap.slot}: ${rightsText(cap.rights)}${cap.badge ? ` badge ${cap.badge}` : ''}`;
}

function describe(o: ObjectSnapshot, snap: Snapshot): string {
  const parts: string[] = [];
  if (o.type === 'Memory') {
    const area = snap.areas.find((a) => a.phys === o.phys);
    if (area) parts.push(`${area.pages} pages`, `${area.free} free`, `${area.overhead} metadata`);
  } else parts.push(`${o.pages} page${o.pages === 1 ? '' : 's'}`);
  if (o.radix !== undefined) parts.push(`radix ${o.radix}`);
  if (o.state !== undefined) parts.push(o.state);
  if (o.area === null) parts.push('all of physical memory');
  else parts.push(`${o.refs} ref${o.refs === 1 ? '' : 's'}`);
  return `${o.type.toLowerCase()} (${parts.join(', ')})`;
}

/** capDL-style dump: objects, then each CSpace's capabilities, then task bindings. */
export function renderText(snap: Snapshot): string {
  const lines = [`-- caduceus snapshot: ${snap.pages} pages of ${snap.pageSize} bytes`, 'objects {'];
  for (const o of snap.objects) lines.push(`  ${objectName(o.type, o.phys)} = ${describe(o, snap)}`);
  lines.push('}', 'caps {');
  const byCspace = new Map<number, CapSnapshot[]>();
  for (const cap of snap.caps) {
    const list = byCspace.get(cap.cspace);
    if (list) list.push(cap);
    else byCspace.set(cap.cspace, [cap]);
  }
  for (const [cspace, caps] of byCspace) {
    lines.push(`  ${objectName('CSpace', cspace)} {`);
    for (const cap of caps) lines.push(`    ${cap.slot}: ${capTarget(cap)} (${rightsText(cap.rights)}${cap.badge ? `, badge: ${cap.badge}` : ''})`);
    lines.push('  }');
  }
  lines.push('}', 'bindings {');
  for (const t of snap.tasks) {
    const bound = [['cspace', t.cspace, 'CSpace'], ['vspace', t.vspace, 'VSpace'], ['fault', t.fault, 'Endpoint']] as const;
    const text = bound.filter(([, phys]) => phys !== null).map(([name, phys, type]) => `${name} = ${objectName(type, phys as number)}`);
    lines.push(`  ${objectName('Task', t.phys)} (${taskState(t)}): ${text.length > 0 ? text.join(', ') : 'nothing'}`);
  }
  lines.push('}');
  if (snap.violations.length > 0) lines.push('violations {', ...snap.violations.map((v) => `  ${v}`), '}');
  return `${lines.join('\n')}\n`;
}

/** A task's state, with the call it is in and what it waits on when it waits. */
export function taskState(t: TaskSnapshot): string {
  if (t.call === null && t.waitsOn === null) return t.state;
  const call = t.call === null ? '' : ` in ${t.call}`;
  const on = t.waitsOn === null ? '' : t.waitsOn === 'answer' ? ', waiting for the answer' : ` on ${objectName(t.waitsOn.type, t.waitsOn.phys)}`;
  return `${t.state}${call}${on}`;
}

/** Per area: metadata, each object, and the free runs between them, in address order. */
export function renderMemoryMap(snap: Snapshot): string {
  const page = snap.pageSize;
  const lines: string[] = [];
  for (const area of snap.areas) {
    const label = area.parent === null ? 'root area (all of physical memory)' : `area ${objectName('Memory', area.phys)}`;
    lines.push(`${label}: ${area.pages} pages, ${area.overhead} metadata, ${area.free} free${area.fragmented ? ', fragmented' : ', fresh'}`);
    const row = (from: number, pages: number, what: string) =>
      lines.push(`  0x${hex(from).padStart(8, '0')}-0x${hex(from + pages * page - 1).padStart(8, '0')}  ${String(pages).padStart(7)} pg  ${what}`);
    row(area.phys, area.overhead, 'metadata');
    let at = area.phys + area.overhead * page;
    const end = area.phys + area.pages * page;
    const inside = snap.objects.filter((o) => o.area === area.phys).sort((a, b) => a.phys - b.phys);
    for (const o of inside) {
      if (o.phys > at) row(at, (o.phys - at) / page, 'free');
      row(o.phys, o.pages, objectName(o.type, o.phys));
      at = o.phys + o.pages * page;
    }
    if (end > at) row(at, (end - at) / page, 'free');
  }
  return `${lines.join('\n')}\n`;
}

interface Graph {
  nodes: Map<string, string>;
  edges: Array<{ from: string; to: string; label: string; binding: boolean }>;
}

/** Objects named by a capability or a binding, and the edges between them. */
function graph(snap: Snapshot): Graph {
  const nodes = new Map<string, string>();
  const byPhys = new Map(snap.objects.map((o) => [o.phys, o]));
  const node = (name: string, label: string) => nodes.set(name, label);
  const objectNode = (type: string, phys: number) => {
    const o = byPhys.get(phys);
    const name = objectName(type, phys);
    node(name, `${type} 0x${hex(phys)}${o?.state ? `\\n${o.state}` : ''}${type === 'Memory' ? `\\n${snap.areas.find((a) => a.phys === phys)?.free ?? '?'} free` : ''}`);
    return name;
  };
  const edges: Graph['edges'] = [];
  for (const cap of snap.caps) {
    const from = objectNode('CSpace', cap.cspace);
    let to: string;
    if (cap.type === 'Console') node((to = capTarget(cap)), 'Console');
    else if (cap.type === 'Reply') node((to = capTarget(cap)), `Reply to task 0x${hex(physOf(cap.object))}`);
    else to = objectNode(cap.type, cap.object);
    edges.push({ from, to, label: capLabel(cap), binding: false });
  }
  for (const t of snap.tasks) {
    const from = objectNode('Task', t.phys);
    if (t.cspace !== null) edges.push({ from, to: objectNode('CSpace', t.cspace), label: 'cspace', binding: true });
    if (t.vspace !== null) edges.push({ from, to: objectNode('VSpace', t.vspace), label: 'vspace', binding: true });
    if (t.fault !== null) edges.push({ from, to: objectNode('Endpoint', t.fault), label: 'fault', binding: true });
  }
  return { nodes, edges };
}

export function renderDot(snap: Snapshot): string {
  const { nodes, edges } = graph(snap);
  const lines = ['digraph caduceus {', '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  for (const [name, label] of nodes) lines.push(`  ${name} [label="${label}"];`);
  for (const e of edges) lines.push(`  ${e.from} -> ${e.to} [label="${e.label}"${e.binding ? ', style=dashed' : ''}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function renderMermaid(snap: Snapshot): string {
  const { nodes, edges } = graph(snap);
  const lines = ['graph LR'];
  for (const [name, label] of nodes) lines.push(`  ${name}["${label.replaceAll('\\n', '<br/>')}"]`);
  for (const e of edges) lines.push(`  ${e.from} ${e.binding ? '-.' : '--'} "${e.label}" ${e.binding ? '.->' : '-->'} ${e.to}`);
  return `${lines.join('\n')}\n`;
}

/** A deadlock report, one line per task: what it waits in and on, and who alone could wake it. */
/** A series as a line of bars, lowest to highest (a sparkline). */
export function renderCurve(values: number[]): string {
  const bars = '\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588';
  const low = Math.min(...values);
  const span = Math.max(...values) - low;
  return values.map((v) => bars[span === 0 ? 0 : Math.min(bars.length - 1, Math.floor(((v - low) / span) * bars.length))]).join('');
}

export function renderDeadlocks(found: DeadlockedTask[]): string {
  const names = (tasks: number[]) => tasks.map((t) => objectName('Task', t)).join(', ');
  return found
    .map((d) => {
      const task = objectName('Task', d.task);
      if (d.waiting === 'answer') return `  ${task}: waits for the answer to its call; ${d.holders.length === 0 ? 'no task holds its Reply cap' : `only ${names(d.holders)} could answer it`}\n`;
      const on = `${objectName(d.object.type, d.object.phys)}${d.caddr === null ? '' : ` (caddr ${d.caddr})`}`;
      return `  ${task}: blocked in ${d.waiting} on ${on}; ${d.holders.length === 0 ? 'no task holds a cap to it' : `only ${names(d.holders)} could wake it`}\n`;
    })
    .join('');
}
