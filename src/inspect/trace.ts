// A saved trace (caduceus run --trace, src/kernel/thread/trace.ts) as the
// inspector shows it: its counters over time, from the system call slices
// and the free pages and blocked tasks counters; and what each task was
// doing at any moment of it, from the slice that spans that moment.

import type { Point, TaskRow } from './protocol.ts';

interface TraceEvent {
  name?: unknown;
  ph?: unknown;
  ts?: unknown;
  dur?: unknown;
  tid?: unknown;
  cat?: unknown;
  args?: Record<string, unknown>;
}

/** A system call of one task: when the kernel took it and answered it (µs), its operation and result. */
interface Call {
  ts: number;
  end: number;
  op: string;
  result: string;
}

interface TraceTask {
  phys: number;
  thread: string;
  calls: Call[];
  /** Calls answered with an errno, up to and including each call. */
  errorsUpTo: number[];
}

/** The bins of the counters' history, in seconds. */
const BIN_S = 0.25;

export function isTrace(value: unknown): value is { traceEvents: unknown[]; otherData?: Record<string, unknown> } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { traceEvents?: unknown }).traceEvents);
}

export class SavedTrace {
  readonly history: Point[] = [];
  readonly duration: number;
  readonly notes: string[] = [];
  private readonly tasks: TraceTask[] = [];

  constructor(trace: { traceEvents: unknown[]; otherData?: Record<string, unknown> }) {
    const events = trace.traceEvents as TraceEvent[];
    const tracks = new Map<number, TraceTask>();
    for (const e of events) {
      if (e?.ph !== 'M' || e.name !== 'thread_name' || typeof e.tid !== 'number') continue;
      const match = /^task 0x([0-9a-f]+) \((pool|dedicated)\)$/.exec(String(e.args?.name ?? ''));
      if (match) tracks.set(e.tid, { phys: Number.parseInt(match[1], 16), thread: match[2] === 'pool' ? 'pool' : 'dedicated', calls: [], errorsUpTo: [] });
    }
    let last = 0;
    const free: Array<[number, number]> = [];
    const blocked: Array<[number, number]> = [];
    for (const e of events) {
      if (typeof e?.ts !== 'number') continue;
      const end = e.ts + (typeof e.dur === 'number' ? e.dur : 0);
      last = Math.max(last, end);
      if (e.ph === 'X' && e.cat === 'syscall' && typeof e.tid === 'number') {
        tracks.get(e.tid)?.calls.push({ ts: e.ts, end, op: String(e.name), result: String(e.args?.result ?? '') });
      } else if (e.ph === 'C' && e.name === 'free pages' && typeof e.args?.free === 'number') free.push([e.ts, e.args.free]);
      else if (e.ph === 'C' && e.name === 'blocked tasks' && typeof e.args?.blocked === 'number') blocked.push([e.ts, e.args.blocked]);
    }
    this.duration = last / 1e6;
    for (const task of tracks.values()) {
      task.calls.sort((a, b) => a.ts - b.ts);
      let errors = 0;
      for (const call of task.calls) task.errorsUpTo.push((errors += call.result !== 'OK' && call.result !== 'killed' ? 1 : 0));
      this.tasks.push(task);
    }
    this.tasks.sort((a, b) => a.phys - b.phys);
    this.bin(free, blocked);
    this.notes.push('A saved trace: its system calls over time and its counters of free pages and blocked tasks. It holds no capability graph, memory map or parks and wake-ups: take a snapshot for those (caduceus run --snapshot).');
    const dropped = Number(trace.otherData?.dropped ?? 0);
    if (dropped > 0) this.notes.push(`The trace dropped ${dropped} events past its limit: its end is missing.`);
  }

  /** The counters' history: calls per second by operation in each bin, and the counters' last values. */
  private bin(free: Array<[number, number]>, blocked: Array<[number, number]>): void {
    const bins = Math.max(1, Math.ceil(this.duration / BIN_S));
    const calls: Array<Record<string, number>> = Array.from({ length: bins }, () => ({}));
    for (const task of this.tasks) {
      for (const call of task.calls) {
        const bin = calls[Math.min(bins - 1, Math.floor(call.ts / 1e6 / BIN_S))];
        bin[call.op] = (bin[call.op] ?? 0) + 1;
      }
    }
    const latest = (series: Array<[number, number]>, until: number) => {
      let value: number | null = null;
      for (const [ts, v] of series) if (ts <= until) value = v;
      return value;
    };
    free.sort((a, b) => a[0] - b[0]);
    blocked.sort((a, b) => a[0] - b[0]);
    let total = 0;
    for (let i = 0; i < bins; i++) {
      const end = (i + 1) * BIN_S * 1e6;
      const perSecond: Record<string, number> = {};
      for (const [op, n] of Object.entries(calls[i])) {
        perSecond[op] = n / BIN_S;
        total += n;
      }
      const freeNow = latest(free, end);
      const point: Point = { t: (i + 1) * BIN_S, calls: perSecond, totalCalls: total, blocked: latest(blocked, end) ?? 0, parks: 0, threadParks: 0, wakeups: 0, woken: 0, free: freeNow === null ? {} : { 'boot areas': freeNow } };
      this.history.push(point);
    }
  }

  /** What each task that had started by then was doing `seconds` into the trace. */
  tasksAt(seconds: number): TaskRow[] {
    const at = seconds * 1e6;
    const rows: TaskRow[] = [];
    for (const task of this.tasks) {
      const i = lastAtOrBefore(task.calls, at);
      if (i < 0) continue;
      const call = task.calls[i];
      const inCall = call.end > at;
      const ended = !inCall && (call.op === 'Exit' || call.result === 'killed');
      // Calls taken in the second up to `at` (or since the start, early on).
      const recent = i - lastAtOrBefore(task.calls, at - 1e6);
      rows.push({
        phys: task.phys,
        state: ended ? (call.result === 'killed' ? 'killed' : 'exited') : inCall ? 'blocked' : 'ready',
        cspace: null,
        vspace: null,
        fault: null,
        call: inCall ? call.op : null,
        waitsOn: null,
        ordinal: null,
        thread: task.thread,
        waiting: inCall ? 'blocked' : null,
        waitingFor: inCall ? (at - call.ts) / 1e6 : null,
        quietFor: inCall || ended ? null : (at - call.end) / 1e6,
        calls: i + 1,
        callsPerSec: recent / Math.min(1, Math.max(seconds, 1e-3)),
        errors: task.errorsUpTo[i],
      });
    }
    return rows;
  }
}

/** The index of the last call taken at or before `at` (µs); -1 if none. */
function lastAtOrBefore(calls: Call[], at: number): number {
  let low = 0;
  let high = calls.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (calls[mid].ts <= at) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}
