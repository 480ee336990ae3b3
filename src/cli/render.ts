// Views of a snapshot: a text dump of objects and CSpaces in the spirit of
// seL4's capDL, a memory map per area, and capability graphs in DOT and
// Mermaid (objects as nodes, capabilities as edges labelled with slot,
// rights and badge; task bindings as dashed edges). The graph, the runs and
// the names are those the inspector page draws (src/inspect/views.ts).

import type { DeadlockedTask } from '../kernel/deadlock.ts';
import type { CapSnapshot, ObjectSnapshot, Snapshot } from '../kernel/snapshot.ts';
import { areaRuns, capabilityGraph, capTarget, deadlockLine, objectName, objectsByArea, rightsText, taskState } from '../inspect/views.ts';

export { objectName, rightsText, taskState };

const hex = (n: number) => n.toString(16);

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

/** Per area: metadata, each object, and the free runs between them, in address order. */
export function renderMemoryMap(snap: Snapshot): string {
  const page = snap.pageSize;
  const lines: string[] = [];
  const inside = objectsByArea(snap);
  for (const area of snap.areas) {
    const label = area.parent === null ? 'root area (all of physical memory)' : `area ${objectName('Memory', area.phys)}`;
    lines.push(`${label}: ${area.pages} pages, ${area.overhead} metadata, ${area.free} free${area.fragmented ? ', fragmented' : ', fresh'}`);
    for (const run of areaRuns(snap, area, inside.get(area.phys) ?? [])) {
      const what = run.kind === 'object' && run.object ? objectName(run.object.type, run.object.phys) : run.kind;
      lines.push(`  0x${hex(run.from).padStart(8, '0')}-0x${hex(run.from + run.pages * page - 1).padStart(8, '0')}  ${String(run.pages).padStart(7)} pg  ${what}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function renderDot(snap: Snapshot): string {
  const { nodes, edges } = capabilityGraph(snap);
  const lines = ['digraph caduceus {', '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  for (const [name, node] of nodes) lines.push(`  ${name} [label="${node.label.join('\\n')}"];`);
  for (const e of edges) lines.push(`  ${e.from} -> ${e.to} [label="${e.label}"${e.binding ? ', style=dashed' : ''}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function renderMermaid(snap: Snapshot): string {
  const { nodes, edges } = capabilityGraph(snap);
  const lines = ['graph LR'];
  for (const [name, node] of nodes) lines.push(`  ${name}["${node.label.join('<br/>')}"]`);
  for (const e of edges) lines.push(`  ${e.from} ${e.binding ? '-.' : '--'} "${e.label}" ${e.binding ? '.->' : '-->'} ${e.to}`);
  return `${lines.join('\n')}\n`;
}

/** A series as a line of bars, lowest to highest (a sparkline). */
export function renderCurve(values: number[]): string {
  const bars = '\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588';
  const low = Math.min(...values);
  const span = Math.max(...values) - low;
  return values.map((v) => bars[span === 0 ? 0 : Math.min(bars.length - 1, Math.floor(((v - low) / span) * bars.length))]).join('');
}

/** A deadlock report, one line per task: what it waits in and on, and who alone could wake it. */
export function renderDeadlocks(found: DeadlockedTask[]): string {
  return found.map((d) => `  ${deadlockLine(d)}\n`).join('');
}
