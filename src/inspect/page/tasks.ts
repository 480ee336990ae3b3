// The tasks table: each task's state, thread, what it is blocked on and for
// how long, its calls per second, calls, errors and how it ended. A row
// selects its Task in the graph.

import type { TaskRow } from '../protocol.ts';
import { objectName } from '../views.ts';
import { byId, count, duration, el } from './dom.ts';

/** Rows drawn at most; the filter finds the rest. */
const MOST_ROWS = 400;

interface Column {
  title: string;
  /** Only for these modes (a snapshot has no threads or counts). */
  modes?: string[];
  value: (r: TaskRow) => number | string;
  text: (r: TaskRow) => string;
  num?: boolean;
  mono?: boolean;
  /** Long text, which wraps. */
  wrap?: boolean;
}

/** What a waiting task waits in and on, in words. */
export function blockedOn(r: TaskRow): string {
  if (r.call === null && r.waitsOn === null) return '';
  const call = r.call ?? 'a call';
  if (r.waiting === 'parked') return `${call} (waiting for its turn)`;
  if (r.waitsOn === 'answer') return `${call}, for the answer`;
  if (r.waitsOn === null) return r.state === 'suspended' ? `${call} (held while suspended)` : call;
  return `${call} on ${objectName(r.waitsOn.type, r.waitsOn.phys)}`;
}

function stateText(r: TaskRow): string {
  if (r.ended) return `${r.state} (code ${r.ended.code})`;
  return r.state;
}

const COLUMNS: Column[] = [
  { title: 'Task', value: (r) => r.phys, text: (r) => objectName('Task', r.phys), mono: true },
  { title: '#', value: (r) => r.ordinal ?? Number.MAX_SAFE_INTEGER, text: (r) => (r.ordinal === null ? '' : `#${r.ordinal}`), num: true, modes: ['live'] },
  { title: 'State', value: (r) => r.state, text: stateText },
  { title: 'Thread', value: (r) => r.thread, text: (r) => r.thread, modes: ['live', 'trace'] },
  { title: 'Blocked on', value: blockedOn, text: blockedOn, mono: true, wrap: true },
  { title: 'For', value: (r) => r.waitingFor ?? -1, text: (r) => duration(r.waitingFor), num: true, modes: ['live', 'trace'] },
  { title: 'Calls/s', value: (r) => r.callsPerSec, text: (r) => count(r.callsPerSec), num: true, modes: ['live', 'trace'] },
  { title: 'Calls', value: (r) => r.calls, text: (r) => count(r.calls), num: true, modes: ['live', 'trace'] },
  { title: 'Errors', value: (r) => r.errors, text: (r) => (r.errors ? count(r.errors) : ''), num: true, modes: ['live', 'trace'] },
  { title: 'Last call', value: (r) => r.quietFor ?? -1, text: (r) => (r.quietFor === null ? '' : `${duration(r.quietFor)} ago`), num: true, modes: ['live', 'trace'] },
  { title: 'Fault', value: (r) => r.ended?.fault?.name ?? '', text: (r) => (r.ended?.fault ? `${r.ended.fault.name}: ${r.ended.fault.message}` : ''), modes: ['live'], wrap: true },
];

export class TasksTable {
  private rows: TaskRow[] = [];
  private total = 0;
  private shown = COLUMNS;
  private sortBy: Column = COLUMNS[1];
  private descending = false;
  private selected: number | null = null;
  private readonly table = byId<HTMLTableElement>('tasks');
  private readonly filter = byId<HTMLInputElement>('task-filter');

  constructor(private readonly onSelect: (node: string) => void) {
    this.table.append(el('thead'), el('tbody'));
    this.columns('live');
    this.filter.addEventListener('input', () => this.draw());
    this.table.addEventListener('click', (event) => {
      const tr = (event.target as HTMLElement).closest('tr[data-phys]');
      if (!tr) return;
      this.selected = Number((tr as HTMLElement).dataset.phys);
      this.onSelect(objectName('Task', this.selected));
      this.draw();
    });
  }

  /** The columns a mode has: a snapshot has no threads or counts. */
  columns(mode: string): void {
    this.shown = COLUMNS.filter((c) => c.modes === undefined || c.modes.includes(mode));
    if (!this.shown.includes(this.sortBy)) this.sortBy = this.shown[0];
    const head = el('tr');
    for (const c of this.shown) {
      const th = el('th', { class: c.num ? 'num' : undefined, title: 'sort' }, c.title);
      th.addEventListener('click', () => {
        this.descending = this.sortBy === c ? !this.descending : c.num === true;
        this.sortBy = c;
        this.draw();
      });
      head.append(th);
    }
    this.table.tHead?.replaceChildren(head);
    this.draw();
  }

  /** Marks the task of a graph node selected elsewhere (null: none). */
  select(phys: number | null): void {
    this.selected = phys;
    this.draw();
  }

  /** The rows to draw, and how many tasks there are in all (the server sends the first 2,000). */
  show(rows: TaskRow[], total = rows.length): void {
    this.rows = rows;
    this.total = total;
    this.draw();
  }

  private draw(): void {
    const column = this.sortBy;
    const needle = this.filter.value.trim().toLowerCase();
    const matching = needle === '' ? this.rows : this.rows.filter((r) => this.shown.some((c) => c.text(r).toLowerCase().includes(needle)));
    const sorted = [...matching].sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return (this.descending ? -order : order) || a.phys - b.phys;
    });
    const body = el('tbody');
    for (const r of sorted.slice(0, MOST_ROWS)) {
      const gone = r.ended !== undefined || r.state === 'exited' || r.state === 'killed';
      const tr = el('tr', {
        'data-phys': String(r.phys),
        'data-task': objectName('Task', r.phys),
        'data-state': r.state,
        'data-call': r.call ?? '',
        'data-thread': r.thread,
        class: [r.phys === this.selected ? 'selected' : '', gone ? 'gone' : ''].filter(Boolean).join(' ') || undefined,
      });
      for (const c of this.shown) {
        const classes = [c.num ? 'num' : '', c.mono ? 'mono' : '', c.wrap ? 'wrap' : '', c.title === 'State' ? `state-${r.state}` : ''].filter(Boolean).join(' ');
        tr.append(el('td', { class: classes || undefined }, c.text(r)));
      }
      body.append(tr);
    }
    this.table.tBodies[0].replaceWith(body);
    const note = byId('tasks-note');
    const blocked = this.rows.filter((r) => r.state === 'blocked').length;
    const shown = Math.min(sorted.length, MOST_ROWS);
    const sent = this.total > this.rows.length ? ` (the first ${this.rows.length} of ${this.total} launched are listed)` : '';
    note.textContent = `${this.total} tasks${sent}, ${blocked} blocked${shown < this.rows.length ? `; showing ${shown}${sorted.length > MOST_ROWS ? ' (filter to find the rest)' : ''}` : ''}`;
  }
}
