// The inspector page: it listens to the server's event stream (protocol.ts)
// and draws each view: the header's totals, warnings, the tasks table, the
// capability graph with its details, the counters' charts, the memory maps,
// and for a controlled run its controls and schedule. A saved trace gets a
// time slider that asks the server for the tasks at that time.

import 'uplot/dist/uPlot.min.css';
import './style.css';
import './panels.css';
import type { ControlView, EndView, Hello, LiveView, Point, StateView, TaskRow, Warning } from '../protocol.ts';
import { objectName } from '../views.ts';
import { Charts } from './charts.ts';
import { Controls } from './control.ts';
import { Details } from './details.ts';
import { byId, count, duration, el } from './dom.ts';
import { CapGraph } from './graph.ts';
import { MemoryMaps } from './memory.ts';
import { probe } from './probe.ts';
import { TasksTable } from './tasks.ts';

interface PageState {
  hello: Hello | null;
  history: Point[];
  live: LiveView | null;
  state: StateView | null;
  ended: EndView | null;
  rows: TaskRow[];
  selected: string | null;
}

const page: PageState = { hello: null, history: [], live: null, state: null, ended: null, rows: [], selected: null };

const select = (node: string | null) => {
  page.selected = node;
  graph.select(node);
  details.show(node, page.state?.snapshot ?? null, page.rows);
  tasks.select(node?.startsWith('task_') ? Number.parseInt(node.slice(5), 16) : null);
};

const graph = new CapGraph(select);
const details = new Details(select);
const tasks = new TasksTable(select);
const memory = new MemoryMaps(select);
const charts = new Charts();
// A control's answer can come after live views that are newer (the run went on, or ended, meanwhile): those win.
const controls = new Controls((view) => {
  const now = page.live?.controlled;
  if (page.ended || (now && (now.ended || now.steps > view.steps))) return;
  showControl(view);
});

/** For tests and the curious: the page's state, its cytoscape instance, and its probe (protocol.ts). */
(window as unknown as { caduceusInspector: unknown }).caduceusInspector = { page, cy: graph.cy, probe: probe(graph.cy, select) };

function setStatus(text: string, kind: 'live' | 'ended' | 'lost' | ''): void {
  const status = byId('status');
  status.textContent = text;
  status.className = `status ${kind}`;
}

function showTotals(): void {
  const p = page.history.at(-1);
  const snap = page.state?.snapshot;
  const items: Array<[string, string]> = [];
  if (p) items.push(['calls', count(p.totalCalls)], ['calls/s', count(Object.values(p.calls).reduce((a, b) => a + b, 0))], ['blocked', count(p.blocked)]);
  items.push(['tasks', count(page.hello?.mode === 'trace' ? page.rows.length : (page.live?.tasksTotal ?? page.rows.length))]);
  if (snap) items.push(['objects', count(snap.objects.length)], ['caps', count(snap.caps.length)]);
  const s = page.live?.sampling;
  if (s && page.hello?.mode === 'live') {
    const share = s.cost.live / s.ms.live + s.cost.state / s.ms.state + s.cost.check / s.ms.check;
    items.push(['watching costs the kernel', `${(share * 100).toFixed(1)} %`]);
  }
  byId('totals').replaceChildren(...items.map(([k, v]) => el('div', { 'data-total': k }, el('dt', {}, k), el('dd', {}, v))));
}

function showWarnings(warnings: Warning[]): void {
  const box = byId('warnings');
  box.hidden = warnings.length === 0;
  box.replaceChildren(
    ...warnings.map((w) =>
      el(
        'div',
        { class: `warning ${w.kind}`, 'data-kind': w.kind },
        el('strong', {}, w.text),
        w.subjects?.length ? el('span', { class: 'faint' }, ' ', ...w.subjects.slice(0, 12).flatMap((s) => [linkTo(s), ' '])) : null,
        w.lines?.length ? el('ul', {}, ...w.lines.map((l) => el('li', {}, l))) : null,
      ),
    ),
  );
}

function linkTo(node: string): HTMLElement {
  const a = el('a', { title: 'show in the graph' }, node);
  a.addEventListener('click', () => select(node));
  return a;
}

function showFaults(live: LiveView): void {
  byId('faults-panel').hidden = live.faults.length === 0;
  byId('faults').replaceChildren(
    ...live.faults
      .slice()
      .reverse()
      .map((f) => el('li', {}, linkTo(objectName('Task', f.task)), ` ${duration(f.ago)} ago: ${f.fault.name}: ${f.fault.message}`)),
  );
}

function showControl(view: ControlView | null): void {
  controls.show(view, page.hello?.controllable === true && page.ended === null);
}

function showEnded(): void {
  const end = page.ended;
  const banner = byId('banner');
  if (!end) {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  banner.className = `banner${end.fault && end.fault.name !== 'Shutdown' ? ' bad' : ''}`;
  banner.textContent =
    end.code === null
      ? `The system stopped${end.fault ? `: ${end.fault.message}` : ''}. The page shows the last state it got.`
      : `Init exited with code ${end.code}${end.fault ? ` (${end.fault.name}: ${end.fault.message})` : ''}. The page shows the state at its end.`;
  setStatus('ended', 'ended');
}

function onLive(live: LiveView): void {
  page.live = live;
  if (page.hello?.mode === 'live') {
    const last = page.history.at(-1);
    if (!last || live.point.t > last.t) page.history.push(live.point);
    if (page.history.length > 2400) page.history.splice(0, page.history.length - 2400);
    charts.show(page.history);
  }
  page.rows = live.tasks;
  tasks.show(live.tasks, live.tasksTotal);
  showWarnings(live.warnings);
  showFaults(live);
  showControl(live.controlled);
  if (page.selected) details.show(page.selected, page.state?.snapshot ?? null, page.rows);
  showTotals();
}

function onState(state: StateView): void {
  page.state = state;
  graph.show(state.snapshot, state.deadlocks);
  memory.show(state.snapshot);
  if (page.selected) {
    graph.select(page.selected);
    details.show(page.selected, state.snapshot, page.rows);
  }
  showTotals();
}

function onHello(hello: Hello): void {
  page.hello = hello;
  page.history = [...hello.history];
  page.ended = hello.ended;
  byId('title').textContent = hello.title;
  document.title = `Caduceus inspector: ${hello.title}`;
  setStatus(hello.mode === 'live' ? 'live' : hello.mode === 'trace' ? 'saved trace' : 'saved snapshot', hello.mode === 'live' ? 'live' : '');
  // A trace has no graph or memory maps; a snapshot has no counters.
  document.body.dataset.mode = hello.mode;
  tasks.columns(hello.mode);
  if (hello.state) onState(hello.state);
  if (hello.live) onLive(hello.live);
  if (hello.mode !== 'snapshot') charts.show(page.history);
  byId('notes').hidden = hello.notes.length === 0;
  byId('notes').textContent = hello.notes.join(' ');
  if (hello.mode === 'trace' && hello.duration !== undefined) timeline(hello.duration);
  showEnded();
}

/** A saved trace: the slider picks a time, and the server says what each task was doing then. */
function timeline(length: number): void {
  byId('timeline').hidden = false;
  const slider = byId<HTMLInputElement>('time');
  slider.max = String(length);
  slider.step = String(Math.max(length / 1000, 0.001));
  slider.value = String(length);
  let asked = 0;
  const ask = async () => {
    const at = Number(slider.value);
    const mine = ++asked;
    byId('time-label').textContent = `${at.toFixed(3)} s of ${length.toFixed(3)} s`;
    const rows = (await (await fetch(`api/tasks?at=${at}`)).json()) as TaskRow[];
    if (mine !== asked) return;
    page.rows = rows;
    tasks.show(rows);
    showTotals();
  };
  slider.addEventListener('input', () => void ask());
  void ask();
}

function connect(): void {
  const events = new EventSource('api/events');
  events.addEventListener('hello', (e) => onHello(JSON.parse((e as MessageEvent<string>).data) as Hello));
  events.addEventListener('live', (e) => onLive(JSON.parse((e as MessageEvent<string>).data) as LiveView));
  events.addEventListener('state', (e) => onState(JSON.parse((e as MessageEvent<string>).data) as StateView));
  events.addEventListener('end', (e) => {
    page.ended = JSON.parse((e as MessageEvent<string>).data) as EndView;
    showEnded();
    showControl(page.live?.controlled ?? null);
  });
  events.addEventListener('error', () => {
    if (page.hello?.mode !== 'live') return;
    if (events.readyState === EventSource.CLOSED || page.ended || page.hello) setStatus(page.ended ? 'ended, server gone' : 'disconnected: showing the last state', page.ended ? 'ended' : 'lost');
  });
  events.addEventListener('open', () => {
    if (page.hello?.mode === 'live' && !page.ended) setStatus('live', 'live');
  });
}

connect();
