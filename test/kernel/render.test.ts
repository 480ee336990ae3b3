// Views of a snapshot: capDL-style text, memory map, DOT and Mermaid graphs.

import { expect, it } from 'vitest';
import { renderDot, renderMemoryMap, renderMermaid, renderText } from '../../src/cli/render.ts';
import { bootKernel, ObjectType as T, Op, Rights } from '../../src/kernel/index.ts';
import { takeSnapshot } from '../../src/kernel/snapshot.ts';

function world() {
  const { kernel, init } = bootKernel({ pages: 4096 });
  const call = (req: Record<string, unknown>) => expect(kernel.invoke(init, req)?.errno).toBe(0);
  call({ op: Op.Alloc, cap: 16, type: T.Memory, size: 20, dest: 20 });
  call({ op: Op.Alloc, cap: 20, type: T.Endpoint, dest: 21 });
  call({ op: Op.Copy, cap: 21, dest: 22, rights: Rights.WRITE, badge: 7 });
  call({ op: Op.Alloc, cap: 20, type: T.Page, dest: 23, count: 3 });
  call({ op: Op.Alloc, cap: 20, type: T.Task, dest: 30 });
  call({ op: Op.Alloc, cap: 20, type: T.CSpace, dest: 31, size: 2 });
  call({ op: Op.Configure, cap: 30, cspace: 31, fault: 22 });
  call({ op: Op.Destroy, caps: [24] });
  return takeSnapshot(kernel);
}

it('the text dump names every object, capability and binding', () => {
  const snap = world();
  const text = renderText(snap);
  const ep = snap.objects.find((o) => o.type === 'Endpoint')!;
  const name = `endpoint_${ep.phys.toString(16)}`;
  expect(text).toContain(`${name} = endpoint (1 page, 3 refs)`);
  expect(text).toMatch(new RegExp(`21: ${name} \\(RWG\\)`));
  expect(text).toMatch(new RegExp(`22: ${name} \\(W, badge: 7\\)`));
  expect(text).toMatch(/task_[0-9a-f]+ \(inactive\): cspace = cspace_[0-9a-f]+, fault = endpoint_/);
  expect(text).not.toContain('violations');
});

it('the memory map shows metadata, objects and the hole left by a destroyed Page', () => {
  const map = renderMemoryMap(world());
  const lines = map.split('\n');
  const first = lines.findIndex((l) => /^area memory_[0-9a-f]+: 20 pages/.test(l));
  expect(lines[first]).toMatch(/20 pages, 1 metadata, 14 free, fragmented/);
  const rows = lines.slice(first + 1, first + 9).map((l) => l.trim().split(/\s+/).slice(1).join(' ').replace(/_[0-9a-f]+$/, ''));
  expect(rows).toEqual(['1 pg metadata', '1 pg endpoint', '1 pg page', '1 pg free', '1 pg page', '1 pg task', '1 pg cspace', '13 pg free']);
});

it('the graphs have a node per object and an edge per capability and binding', () => {
  const snap = world();
  const dot = renderDot(snap);
  const mermaid = renderMermaid(snap);
  const capEdges = snap.caps.length;
  const bindings = snap.tasks.reduce((n, t) => n + [t.cspace, t.vspace, t.fault].filter((x) => x !== null).length, 0);
  expect(dot.match(/ -> /g)).toHaveLength(capEdges + bindings);
  expect(dot).toMatch(/label="22: W badge 7"/);
  expect(dot.match(/style=dashed/g)).toHaveLength(bindings);
  expect(mermaid.startsWith('graph LR\n')).toBe(true);
  expect(mermaid.match(/(-->|\.->) /g)?.length).toBe(capEdges + bindings);
  expect(mermaid).toMatch(/-\. "fault" \.->/);
});
