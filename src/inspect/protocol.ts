// What the inspector's server sends its page, as plain types (the server
// side is watch.ts and server.ts; the page is page/). The page opens
// GET /api/events, a stream of Server-Sent Events:
//
//   hello   a Hello: what is watched, the counters so far, the latest views
//   live    a LiveView, a few times a second: counters, tasks, warnings
//   state   a StateView, when the kernel's objects and caps have changed
//   end     an EndView: the system has ended (init exited, or it was shut down)
//
// GET /api/state gives the same as one Hello. A controlled run takes
// POST /api/control with a ControlRequest, answered by a ControlView.

import type { DeadlockedTask } from '../kernel/deadlock.ts';
import type { Snapshot, TaskSnapshot } from '../kernel/snapshot.ts';
import type { ControlStatus } from '../kernel/thread/controlled.ts';

/** One sample's counters: rates are per second over the time since the sample before. */
export interface Point {
  /** Seconds since the watch began (a trace: since the trace began). */
  t: number;
  /** System calls per second, by operation. */
  calls: Record<string, number>;
  /** System calls so far, all operations. */
  totalCalls: number;
  /** Tasks blocked in the kernel. */
  blocked: number;
  /** Per second: the kernel loop's parks, task threads' parks, task threads woken from a park, blocked calls answered. */
  parks: number;
  threadParks: number;
  wakeups: number;
  woken: number;
  /** Free pages of each boot Memory area, by address. */
  free: Record<string, number>;
}

/** A row of the tasks table. */
export interface TaskRow extends TaskSnapshot {
  /** Launch order (a controlled run's task number); null for a Task never started. */
  ordinal: number | null;
  /** The thread it runs on ('pooled 0', 'dedicated', 'pool' before its first call), or '' when unknown. */
  thread: string;
  /** In a call: blocked in the kernel, or parked for its turn in a controlled run. */
  waiting: 'blocked' | 'parked' | null;
  /** Seconds its present wait has lasted; null when it is not waiting. */
  waitingFor: number | null;
  /** Seconds since its last call (or its launch, before its first); null when unknown. */
  quietFor: number | null;
  calls: number;
  callsPerSec: number;
  /** Calls answered with an errno. */
  errors: number;
  /** For a task that has ended: its exit code and the fault it ended with. */
  ended?: { code: number; fault?: { name: string; message: string } };
}

export type WarningKind = 'deadlock' | 'partial-deadlock' | 'silent' | 'references' | 'violation' | 'failed';

export interface Warning {
  kind: WarningKind;
  text: string;
  /** Detail lines (each deadlocked task, each violation). */
  lines?: string[];
  /** The graph nodes it is about (objectName), for the page to point at. */
  subjects?: string[];
}

/** A controlled run's standing, as the loop reports it. */
export type ControlView = ControlStatus;

export type ControlRequest = { action: 'pause' } | { action: 'resume' } | { action: 'step'; count?: number } | { action: 'run-to'; step: number };

export interface LiveView {
  point: Point;
  /** The tasks, by launch order, at most the first 2,000. */
  tasks: TaskRow[];
  /** How many tasks there are in all. */
  tasksTotal: number;
  warnings: Warning[];
  controlled: ControlView | null;
  /** Failed calls by errno so far. */
  errors: Record<string, number>;
  /** Tasks that ended with a fault lately (the latest 100 endings' faults), oldest first. */
  faults: Array<{ task: number; code: number; fault: { name: string; message: string }; ago: number }>;
  /**
   * How the watch samples each part (counters and tasks; the state; the
   * invariant check): the time between samples, and the kernel thread's
   * time a sample takes, both in ms (a state or check sample's cost
   * includes the counters).
   */
  sampling: { ms: SamplingParts; cost: SamplingParts };
}

export interface SamplingParts {
  live: number;
  state: number;
  check: number;
}

export interface StateView {
  /** Seconds since the watch began when it was taken. */
  t: number;
  snapshot: Snapshot;
  /** Null when the source cannot tell (a saved snapshot). */
  deadlocks: DeadlockedTask[] | null;
  /** True for the state at the end of a run: as init exited, or as a controlled run failed. */
  final?: boolean;
}

export interface EndView {
  /** Init's exit code, or null when the system was shut down before init exited. */
  code: number | null;
  fault?: { name: string; message: string };
  deadlocked?: DeadlockedTask[];
}

export interface Hello {
  /** A running system, a saved snapshot, or a saved trace. */
  mode: 'live' | 'snapshot' | 'trace';
  /** What is watched: the init module, or the file served. */
  title: string;
  /** Whether POST /api/control is taken: a running controlled system. */
  controllable: boolean;
  history: Point[];
  live: LiveView | null;
  state: StateView | null;
  ended: EndView | null;
  /** A trace's length in seconds (GET /api/tasks?at=SECONDS gives the tasks at a time). */
  duration?: number;
  /** Notes on what the source cannot show. */
  notes: string[];
}

/**
 * What the page answers about itself, as `window.caduceusInspector.probe`:
 * what it shows, read from its own table, graph and panels. The browser
 * test asks it; so can anyone from the browser's console.
 */
export interface PageProbe {
  /** The tasks table's rows as drawn. */
  rows(): Array<{ task: string; state: string; call: string; thread: string; cells: string[] }>;
  /** A graph node's type, or null when the graph has no such node. */
  node(id: string): { type: string } | null;
  /** Clicks a graph node. */
  tap(id: string): void;
  /** Selects a node as a click on it does, or with null none (the details close). */
  select(id: string | null): void;
  /** The details panel's text while it is shown. */
  details(): string | null;
  /** A number of the header's totals ('calls', 'blocked', ...), or null when not shown. */
  total(name: string): number | null;
  /** The controlled run's status line, and a step's row of the schedule table. */
  controlStatus(): string;
  scheduleRow(step: number): string[] | null;
  /** The banner's text while it is shown (how the system ended). */
  banner(): string | null;
}
