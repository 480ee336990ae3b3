// The details of a graph node: its object (type, address, pages,
// references, area, state), every slot that names it and every binding to
// it, what a CSpace holds, who waits on an Endpoint or Notification, and a
// task's live row. Links select other nodes.

import type { CapSnapshot, Snapshot } from '../../kernel/snapshot.ts';
import type { TaskRow } from '../protocol.ts';
import { capTarget, objectName, rightsText, taskState } from '../views.ts';
import { byId, count, duration, el, hex } from './dom.ts';
import { blockedOn } from './tasks.ts';

/** Slots listed at most under one heading. */
const MOST = 200;

const link = (node: string, text = node) => el('a', { 'data-node': node }, text);

function list(items: Array<Node | string>, empty: string): HTMLElement {
  if (items.length === 0) return el('p', { class: 'faint' }, empty);
  const ul = el('ul');
  for (const item of items.slice(0, MOST)) ul.append(el('li', {}, item));
  if (items.length > MOST) ul.append(el('li', { class: 'faint' }, `... and ${items.length - MOST} more`));
  return ul;
}

const capText = (c: CapSnapshot) => `(${rightsText(c.rights)}${c.badge ? `, badge ${c.badge}` : ''})`;

export class Details {
  private readonly box = byId('details');
  private shown: string | null = null;

  constructor(private readonly onSelect: (node: string | null) => void) {
    this.box.addEventListener('click', (event) => {
      const target = (event.target as HTMLElement).closest('[data-node]') as HTMLElement | null;
      if (target?.dataset.node) this.onSelect(target.dataset.node);
      if ((event.target as HTMLElement).closest('.close')) this.onSelect(null);
    });
  }

  get node(): string | null {
    return this.shown;
  }

  /** Shows a node (null: hides the panel) as the snapshot and the live rows have it. */
  show(node: string | null, snapshot: Snapshot | null, rows: TaskRow[]): void {
    this.shown = node;
    this.box.hidden = node === null || snapshot === null;
    if (node === null || snapshot === null) return;
    const next = el('div', {}, el('button', { class: 'close', type: 'button', title: 'close' }, '×'), el('h3', {}, node), ...this.body(node, snapshot, rows));
    // Unchanged, it stays: drawn again four times a second, it would take clicks away from under the pointer.
    if (next.textContent === this.box.textContent) return;
    this.box.replaceChildren(...next.childNodes);
  }

  private body(node: string, snap: Snapshot, rows: TaskRow[]): Node[] {
    const out: Node[] = [];
    const object = snap.objects.find((o) => objectName(o.type, o.phys) === node);
    if (node.startsWith('reply_to_task_')) {
      const caller = Number.parseInt(node.slice('reply_to_task_'.length), 16);
      out.push(el('p', {}, 'A Reply cap: the promise of an answer to ', link(objectName('Task', caller)), "'s call."));
    } else if (node.startsWith('console_')) out.push(el('p', {}, 'The Console device.'));
    else if (!object) out.push(el('p', { class: 'faint' }, 'Not in the latest state (destroyed since).'));
    if (object) {
      const facts: Array<Node | string> = [`${object.type} at ${hex(object.phys)}`, `${object.pages} page${object.pages === 1 ? '' : 's'}`];
      if (object.area === null) facts.push('all of physical memory (the root area)');
      else facts.push(`${object.refs} reference${object.refs === 1 ? '' : 's'} of 256`, el('span', {}, 'from area ', link(objectName('Memory', object.area))));
      if (object.radix !== undefined) facts.push(`radix ${object.radix} (${(1 << object.radix).toLocaleString('en-US')} slots)`);
      if (object.state !== undefined) facts.push(`state: ${object.state}`);
      const area = snap.areas.find((a) => a.phys === object.phys);
      if (area) facts.push(`${area.pages} pages: ${area.overhead} metadata, ${area.free} free, ${area.fragmented ? 'fragmented' : 'fresh'}`);
      out.push(list(facts, ''));
    }
    const task = snap.tasks.find((t) => objectName('Task', t.phys) === node);
    if (task) {
      const row = rows.find((r) => r.phys === task.phys);
      const facts: Array<Node | string> = [`now: ${taskState(task)}`];
      if (row) {
        if (row.thread) facts.push(`thread: ${row.thread}`);
        if (row.waiting) facts.push(`waiting: ${blockedOn(row)}${row.waitingFor !== null ? ` for ${duration(row.waitingFor)}` : ''}`);
        facts.push(`${count(row.calls)} calls, ${count(row.callsPerSec)}/s, ${count(row.errors)} errors`);
        if (row.ordinal !== null) facts.push(`task #${row.ordinal} of the schedule`);
      }
      const bound = [['cspace', task.cspace, 'CSpace'], ['vspace', task.vspace, 'VSpace'], ['fault Endpoint', task.fault, 'Endpoint']] as const;
      for (const [what, phys, type] of bound) if (phys !== null) facts.push(el('span', {}, `${what}: `, link(objectName(type, phys))));
      if (task.waitsOn !== null && task.waitsOn !== 'answer') facts.push(el('span', {}, 'waits on ', link(objectName(task.waitsOn.type, task.waitsOn.phys))));
      out.push(el('h4', {}, 'Task'), list(facts, ''));
    }
    const naming = snap.caps.filter((c) => capTarget(c) === node);
    out.push(
      el('h4', {}, `Slots that name it (${naming.length})`),
      list(
        naming.map((c) => el('span', {}, link(objectName('CSpace', c.cspace)), ` slot ${c.slot} ${capText(c)}`)),
        'none',
      ),
    );
    const bindings: Node[] = [];
    for (const t of object ? snap.tasks : []) {
      const as = (['cspace', 'vspace', 'fault'] as const).filter((k) => t[k] === object?.phys);
      for (const k of as) bindings.push(el('span', {}, link(objectName('Task', t.phys)), ` has it as its ${k === 'fault' ? 'fault Endpoint' : k}`));
    }
    if (bindings.length > 0) out.push(el('h4', {}, `Bindings to it (${bindings.length})`), list(bindings, ''));
    if (object?.type === 'CSpace') {
      const held = snap.caps.filter((c) => c.cspace === object.phys);
      out.push(el('h4', {}, `Holds (${held.length})`), list(held.map((c) => el('span', {}, `slot ${c.slot}: `, link(capTarget(c)), ` ${capText(c)}`)), 'nothing'));
    }
    if (object?.type === 'Endpoint' || object?.type === 'Notification') {
      const waiting = snap.tasks.filter((t) => t.waitsOn !== null && t.waitsOn !== 'answer' && t.waitsOn.phys === object.phys);
      out.push(el('h4', {}, `Waiting on it (${waiting.length})`), list(waiting.map((t) => el('span', {}, link(objectName('Task', t.phys)), ` in ${t.call ?? 'a call'}`)), 'no task'));
    }
    return out;
  }
}
