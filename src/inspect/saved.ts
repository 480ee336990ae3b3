// The inspector page for a saved file (`caduceus inspect --serve`): a
// snapshot shows its tasks, graph, memory maps and the warnings a snapshot
// can tell (references near the limit, violations); a trace shows its
// counters over time and, at a time picked on a slider, what each task was
// doing. Nothing can be controlled: it has already happened.

import type { Snapshot } from '../kernel/snapshot.ts';
import { pageFiles } from './assets.ts';
import type { Hello, LiveView, Point, TaskRow } from './protocol.ts';
import { InspectError, type InspectorApp, InspectServer } from './server.ts';
import { SavedTrace } from './trace.ts';
import { stateWarnings } from './warnings.ts';

const READ_ONLY = 'a saved snapshot or trace shows what has happened: there is nothing to pause or step';

function still(tasks: TaskRow[]): LiveView {
  const point: Point = { t: 0, calls: {}, totalCalls: 0, blocked: tasks.filter((t) => t.state === 'blocked').length, parks: 0, threadParks: 0, wakeups: 0, woken: 0, free: {} };
  const zero = { live: 0, state: 0, check: 0 };
  return { point, tasks, tasksTotal: tasks.length, warnings: [], controlled: null, errors: {}, faults: [], sampling: { ms: zero, cost: zero } };
}

/** The page's views of a snapshot. */
export function snapshotApp(snapshot: Snapshot, title: string): InspectorApp {
  const tasks: TaskRow[] = snapshot.tasks.map((t) => ({ ...t, ordinal: null, thread: '', waiting: t.state === 'blocked' ? 'blocked' : null, waitingFor: null, quietFor: null, calls: 0, callsPerSec: 0, errors: 0 }));
  const live = { ...still(tasks), warnings: stateWarnings(snapshot, null) };
  const hello: Hello = {
    mode: 'snapshot',
    title,
    controllable: false,
    history: [],
    live,
    state: { t: 0, snapshot, deadlocks: null },
    ended: null,
    notes: ['A saved snapshot: the state at one moment. It holds no counters, threads or deadlock analysis: watch a running system for those (caduceus run --inspect).'],
  };
  return { hello: () => hello, readOnly: READ_ONLY };
}

/** The page's views of a trace. */
export function traceApp(trace: SavedTrace, title: string): InspectorApp {
  const hello: Hello = {
    mode: 'trace',
    title,
    controllable: false,
    history: trace.history,
    live: still(trace.tasksAt(trace.duration)),
    state: null,
    ended: null,
    duration: trace.duration,
    notes: trace.notes,
  };
  return { hello: () => hello, readOnly: READ_ONLY, tasksAt: (seconds) => trace.tasksAt(Math.min(seconds, trace.duration)) };
}

/** Serves a saved file's page on host:port; rejects with an InspectError when it cannot. */
export async function serveSaved(app: InspectorApp, host: string, port: number): Promise<InspectServer> {
  let page;
  try {
    page = await pageFiles();
  } catch (error) {
    throw new InspectError((error as Error).message);
  }
  return InspectServer.listen(host, port, app, page);
}
