// A controlled run's panel: pause, resume, step, step n and run to step N
// (POST /api/control), where the run stands and which tasks can go on; and
// the schedule so far, a row per step as `caduceus replay` prints it.

import type { ControlRequest, ControlView } from '../protocol.ts';
import { objectName } from '../views.ts';
import { byId, el } from './dom.ts';

/** Steps shown in the schedule table, the latest. */
const SHOWN = 300;

async function post(request: ControlRequest): Promise<ControlView> {
  const answer = await fetch('api/control', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) });
  const body = (await answer.json()) as ControlView | { error: string };
  if ('error' in body) throw new Error(body.error);
  return body;
}

export class Controls {
  private view: ControlView | null = null;
  private readonly error = byId('control-error');

  constructor(private readonly onView: (view: ControlView) => void) {
    const send = (request: () => ControlRequest | null) => async () => {
      const r = request();
      if (r === null) return;
      this.error.textContent = '';
      try {
        this.onView(await post(r));
      } catch (error) {
        this.error.textContent = (error as Error).message;
      }
    };
    const number = (id: string, least: number) => {
      const value = Number(byId<HTMLInputElement>(id).value);
      if (!Number.isInteger(value) || value < least) {
        this.error.textContent = `give a whole number of at least ${least}`;
        return null;
      }
      return value;
    };
    byId('pause').addEventListener('click', send(() => ({ action: 'pause' })));
    byId('resume').addEventListener('click', send(() => ({ action: 'resume' })));
    byId('step').addEventListener('click', send(() => ({ action: 'step' })));
    byId('step-n').addEventListener(
      'click',
      send(() => {
        const count = number('step-count', 1);
        return count === null ? null : { action: 'step', count };
      }),
    );
    byId('run-to-go').addEventListener(
      'click',
      send(() => {
        const step = number('run-to', 0);
        return step === null ? null : { action: 'run-to', step };
      }),
    );
  }

  show(view: ControlView | null, controllable: boolean): void {
    this.view = view;
    byId('controls').hidden = view === null;
    byId('schedule-panel').hidden = view === null;
    if (view === null) return;
    const status = view.ended
      ? `ended after ${view.steps} steps`
      : view.held
        ? `paused before step ${view.steps}`
        : view.limit === null
          ? `running freely: step ${view.steps}`
          : `running to step ${view.limit}: at ${view.steps}`;
    byId('control-status').textContent = status;
    for (const id of ['pause', 'resume', 'step', 'step-n', 'run-to-go']) byId<HTMLButtonElement>(id).disabled = !controllable || view.ended;
    byId<HTMLButtonElement>('pause').disabled ||= view.limit !== null && view.limit <= view.steps;
    byId<HTMLButtonElement>('resume').disabled ||= view.limit === null;
    const who = (task: number) => `#${task} ${objectName('Task', view.tasks[task] ?? 0)}`;
    byId('enabled').textContent = view.ended ? '' : view.enabled.length === 0 ? 'no task waits for its turn (one is running its own code)' : `can go next: ${view.enabled.map((e) => `${who(e.task)} ${e.op}`).join(', ')}`;
    this.schedule(view);
  }

  private schedule(view: ControlView): void {
    const scroller = byId('schedule').parentElement as HTMLElement;
    const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4;
    const head = el('tr', {}, el('th', { class: 'num' }, 'step'), el('th', {}, 'task'), el('th', {}, 'op'), el('th', {}, 'result'), el('th', {}, ''));
    const rows = view.decisions.slice(-SHOWN).map((d) =>
      el(
        'tr',
        { 'data-step': String(d.step) },
        el('td', { class: 'num' }, String(d.step)),
        el('td', { class: 'mono' }, `#${d.task} ${objectName('Task', view.tasks[d.task] ?? 0)}`),
        el('td', { class: 'mono' }, d.op),
        el('td', {}, d.result ?? ''),
        el('td', { class: 'faint' }, d.preempt ? 'preempts' : ''),
      ),
    );
    const earlier = view.steps - Math.min(view.decisions.length, SHOWN);
    byId('schedule').replaceChildren(el('thead', {}, head), el('tbody', {}, ...(earlier > 0 ? [el('tr', {}, el('td', { colspan: '5', class: 'faint' }, `... ${earlier} earlier steps`))] : []), ...rows));
    if (atBottom) scroller.scrollTop = scroller.scrollHeight;
  }

  get current(): ControlView | null {
    return this.view;
  }
}
