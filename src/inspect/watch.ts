// The inspector's watch on a running system: it samples the kernel thread a
// few times a second (sampler.ts there), turns counters into rates, keeps
// the counters' history, and hands the page's views (protocol.ts) to the
// server. Sampling costs the kernel thread time, so it keeps to a budget: a
// sample that took c ms waits at least c / budget before the next, so a
// system too big to sample at the usual rate is sampled more slowly rather
// than slowed down. The rate is the same whether or not a page is open, so
// the cost of watching is the same as the cost measured.

import type { ControlStatus, LiveSample, SampleParts, SteerAction } from '../kernel/thread/sampler.ts';
import type { Snapshot } from '../kernel/snapshot.ts';
import type { DeadlockedTask } from '../kernel/deadlock.ts';
import type { ControlRequest, ControlView, EndView, LiveView, Point, StateView, TaskRow, Warning } from './protocol.ts';
import { endWarnings, silentWarnings, stateWarnings } from './warnings.ts';

/** Where samples come from: the kernel thread of a running system. */
export interface SampleSource {
  /** A sample, and the kernel thread's time it took in ms. */
  sample(parts: SampleParts, decisionsFrom: number): Promise<{ sample: LiveSample; cost: number }>;
  /** Present when the run is controlled: pause, step, run to a step. */
  steer?(how: SteerAction, decisionsFrom: number): Promise<ControlStatus>;
}

export interface WatchListener {
  live(view: LiveView): void;
  state(view: StateView): void;
  end(view: EndView): void;
}

/**
 * How often each part is sampled: at least `ms` apart, and further apart
 * when a sample costs more than `budget` of the kernel thread's time; but
 * never more than `most` ms apart, so that even a huge system's page moves.
 */
export interface Pace {
  ms: number;
  budget: number;
  most: number;
}

export interface WatchTiming {
  /** Counters and tasks. */
  live: Pace;
  /** The state: snapshot and deadlocks. */
  state: Pace;
  /** The invariant check, which walks every page and slot. */
  check: Pace;
}

export const TIMING: WatchTiming = {
  live: { ms: 250, budget: 0.01, most: 30_000 },
  state: { ms: 500, budget: 0.01, most: 60_000 },
  check: { ms: 10_000, budget: 0.005, most: 120_000 },
};

/** Costs kept per part: the pace follows their median, so one slow sample (a collection, a cold start) does not set it. */
const COSTS = 5;

/** The wait after a sample, for a part with these recent costs. */
export function wait(pace: Pace, costs: number[]): number {
  const sorted = [...costs].sort((a, b) => a - b);
  const median = sorted.length === 0 ? 0 : sorted[sorted.length >> 1];
  return Math.min(pace.most, Math.max(pace.ms, median / pace.budget));
}

/** Counter history kept: ten minutes at four samples a second. */
export const HISTORY = 2400;
/** After a sample that failed, the next is asked for this much later (ms). */
const RETRY_MS = 1000;
/** Decisions of a controlled run kept for the page. */
const DECISIONS = 1000;
/** Tasks sent to the page at most, the first launched (LiveView.tasksTotal counts them all). */
export const MOST_TASKS = 2000;

/** What the system's end tells the watch. */
export interface Ending {
  code: number | null;
  fault?: { name: string; message: string };
  snapshot?: Snapshot;
  deadlocked?: DeadlockedTask[];
}

export class Watch {
  readonly history: Point[] = [];
  live: LiveView | null = null;
  state: StateView | null = null;
  ended: EndView | null = null;
  private stateText = '';
  private stateWarnings: Warning[] = [];
  private previous: LiveSample | null = null;
  private readonly callsBefore = new Map<number, number>();
  private first = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private nextState = 0;
  private nextCheck = 0;
  private readonly costs = { live: [] as number[], state: [] as number[], check: [] as number[] };
  private readonly firsts = new Set<string>();
  /** The latest check's verdict, which the snapshots between checks carry. */
  private violations: string[] = [];
  private decisions: ControlView['decisions'] = [];
  private stepsKnown = 0;
  private complained = false;

  constructor(
    private readonly source: SampleSource,
    private readonly listener: WatchListener,
    private readonly timing: WatchTiming = TIMING,
  ) {}

  get controllable(): boolean {
    return this.source.steer !== undefined && this.ended === null;
  }

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.inFlight) return;
      const tick: Promise<void> = this.tick().finally(() => {
        if (this.inFlight === tick) this.inFlight = null;
      });
      this.inFlight = tick;
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const started = performance.now();
    const state = this.state === null || started >= this.nextState;
    const check = state && started >= this.nextCheck;
    let got: { sample: LiveSample; cost: number };
    try {
      got = await this.source.sample({ state, check }, this.stepsKnown);
    } catch {
      // Shutting down or gone, the watch is stopped or finished first (no retry then); a kernel
      // thread too busy to answer in time is asked again later.
      this.schedule(RETRY_MS);
      return;
    }
    if (this.stopped) return;
    // A sample's cost is its part's: a checked one's is the check's, a state sample's the state's.
    const part = check ? 'check' : state ? 'state' : 'live';
    const costs = this.costs[part];
    // The first of each part runs cold (compiling, filling caches): its cost says little of the next.
    if (this.firsts.has(part)) {
      costs.push(got.cost);
      if (costs.length > COSTS) costs.shift();
    } else this.firsts.add(part);
    if (state) this.nextState = started + wait(this.timing.state, this.costs.state);
    if (check) this.nextCheck = started + wait(this.timing.check, this.costs.check);
    try {
      this.take(got.sample);
    } catch (error) {
      // A bug of the inspector's must not stop the watch, nor the host it runs in: said once.
      if (!this.complained) process.stderr.write(`caduceus: the inspector could not show a sample: ${error instanceof Error ? error.stack : String(error)}\n`);
      this.complained = true;
    }
    this.schedule(wait(this.timing.live, this.costs.live));
  }

  /** Turns a sample into the page's views. */
  private take(sample: LiveSample): void {
    if (this.previous === null) this.first = sample.at;
    const t = (sample.at - this.first) / 1000;
    if (sample.violations) this.violations = sample.violations;
    if (sample.snapshot) this.takeState(t, { ...sample.snapshot, violations: this.violations }, sample.deadlocks ?? null);
    const point = this.point(t, sample);
    this.history.push(point);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    const rows = this.rows(sample);
    // In a controlled run, a task waiting for its turn is in no kernel call yet (or has an answer held): say which.
    const turns = new Map((sample.controlled?.enabled ?? []).map((e) => [e.task, e.op]));
    for (const row of rows) {
      const op = row.ordinal === null ? undefined : turns.get(row.ordinal);
      if (op !== undefined && row.call === null) Object.assign(row, { call: op, waiting: 'parked' });
    }
    const tasks = rows.length > MOST_TASKS ? rows.slice(0, MOST_TASKS) : rows;
    const controlled = sample.controlled ? this.control(sample.controlled) : null;
    this.live = {
      point,
      tasks,
      tasksTotal: rows.length,
      warnings: [...this.stateWarnings, ...silentWarnings(rows), ...endWarnings(this.ended)],
      controlled,
      errors: sample.errors,
      faults: sample.endings.flatMap((e) => (e.fault ? [{ task: e.address, code: e.code, fault: { name: e.fault.name, message: e.fault.message }, ago: (sample.at - e.at) / 1000 }] : [])),
      sampling: this.sampling(),
    };
    this.previous = sample;
    this.listener.live(this.live);
  }

  private sampling(): LiveView['sampling'] {
    const median = (costs: number[]) => [...costs].sort((a, b) => a - b)[costs.length >> 1] ?? 0;
    const { live, state, check } = this.costs;
    return {
      ms: { live: wait(this.timing.live, live), state: wait(this.timing.state, state), check: wait(this.timing.check, check) },
      cost: { live: median(live), state: median(state), check: median(check) },
    };
  }

  private takeState(t: number, snapshot: Snapshot, deadlocks: DeadlockedTask[] | null, final = false): void {
    const text = JSON.stringify([snapshot, deadlocks]);
    if (text === this.stateText && !final) return;
    this.stateText = text;
    this.state = { t, snapshot, deadlocks, ...(final ? { final } : {}) };
    this.stateWarnings = stateWarnings(snapshot, deadlocks);
    this.listener.state(this.state);
  }

  private point(t: number, s: LiveSample): Point {
    const before = this.previous;
    const dt = before ? (s.at - before.at) / 1000 : 0;
    const rate = (now: number, then: number | undefined) => (dt > 0 ? Math.max(0, now - (then ?? 0)) / dt : 0);
    const calls: Record<string, number> = {};
    for (const [op, n] of Object.entries(s.calls)) calls[op] = rate(n, before?.calls[op]);
    return {
      t,
      calls,
      totalCalls: Object.values(s.calls).reduce((a, b) => a + b, 0),
      blocked: s.blocked,
      parks: rate(s.loop.parks, before?.loop.parks),
      threadParks: rate(s.loop.threadParks, before?.loop.threadParks),
      wakeups: rate(s.loop.wakeups, before?.loop.wakeups),
      woken: rate(s.loop.woken, before?.loop.woken),
      free: s.freePages,
    };
  }

  /** The tasks table: the launched tasks, then Task objects never started (from the latest state). */
  private rows(s: LiveSample): TaskRow[] {
    const dt = this.previous ? (s.at - this.previous.at) / 1000 : 0;
    const endings = new Map(s.endings.map((e) => [e.address, e]));
    const rows: TaskRow[] = s.tasks.map((task) => {
      const before = this.callsBefore.get(task.tid);
      const ending = task.state === 'exited' || task.state === 'killed' ? endings.get(task.phys) : undefined;
      const { tid: _tid, launched, lastCall, since, ...shown } = task;
      return {
        ...shown,
        waitingFor: since >= 0 ? (s.at - since) / 1000 : null,
        quietFor: (s.at - (lastCall >= 0 ? lastCall : launched)) / 1000,
        callsPerSec: before === undefined || dt <= 0 ? 0 : (task.calls - before) / dt,
        ...(ending ? { ended: { code: ending.code, ...(ending.fault ? { fault: { name: ending.fault.name, message: ending.fault.message } } : {}) } } : {}),
      };
    });
    this.callsBefore.clear();
    for (const task of s.tasks) this.callsBefore.set(task.tid, task.calls);
    const launched = new Set(s.tasks.map((t) => t.phys));
    for (const task of this.state?.snapshot.tasks ?? []) {
      if (launched.has(task.phys) || task.state === 'exited') continue;
      rows.push({ ...task, ordinal: null, thread: '', waiting: null, waitingFor: null, quietFor: null, calls: 0, callsPerSec: 0, errors: 0 });
    }
    return rows;
  }

  /**
   * Merges a run's standing in. A sample and a control's answer can cross
   * (each asked for the decisions from the same step): decisions already
   * known are skipped, and only a gap (more steps than a status carries went
   * by) starts the list again.
   */
  private control(status: ControlStatus): ControlView {
    const { decisions, ...standing } = status;
    const last = this.decisions.at(-1)?.step ?? -1;
    const fresh = decisions.filter((d) => d.step > last);
    if (fresh.length > 0 && fresh[0].step !== last + 1) this.decisions = [];
    this.decisions.push(...fresh);
    if (this.decisions.length > DECISIONS) this.decisions.splice(0, this.decisions.length - DECISIONS);
    this.stepsKnown = Math.max(this.stepsKnown, status.steps);
    return { ...standing, decisions: [...this.decisions] };
  }

  /** Steers a controlled run; rejects when it is not one (RangeError for a step already taken). */
  async steer(request: ControlRequest): Promise<ControlView> {
    if (!this.source.steer) throw new Error('not a controlled run');
    const how: SteerAction = request.action === 'step' ? { action: 'step', count: request.count ?? 1 } : request;
    const view = this.control(await this.source.steer(how, this.stepsKnown));
    // Show what the steps did at once, the state too, not at the next samples: a person asked.
    if (this.live && view.steps >= (this.live.controlled?.steps ?? 0)) this.live = { ...this.live, controlled: view };
    this.nextState = 0;
    this.schedule(0);
    return view;
  }

  /**
   * The system has ended: sampling stops after one last sample (the final
   * counters), the state becomes the one at the end (as init exited, or as
   * a controlled run failed), and the page is told how it ended.
   */
  finish(ending: Ending): void {
    if (this.ended) return;
    this.stopped = true;
    clearTimeout(this.timer);
    const ended: EndView = { code: ending.code, ...(ending.fault ? { fault: { name: ending.fault.name, message: ending.fault.message } } : {}), ...(ending.deadlocked ? { deadlocked: ending.deadlocked } : {}) };
    this.ended = ended;
    const last = async () => {
      await this.inFlight;
      try {
        this.take((await this.source.sample({ state: false, check: false }, this.stepsKnown)).sample);
      } catch {
        // already shut down: the last sample taken stays
      }
      const t = this.previous ? (this.previous.at - this.first) / 1000 : 0;
      // Its deadlocks, if it failed of one, are the ending's warning.
      if (ending.snapshot) this.takeState(t, ending.snapshot, null, true);
      if (this.live) {
        this.live = { ...this.live, warnings: [...this.stateWarnings, ...silentWarnings(this.live.tasks), ...endWarnings(ended)] };
        this.listener.live(this.live);
      }
      this.listener.end(ended);
    };
    this.inFlight = last().catch((error: unknown) => {
      if (!this.complained) process.stderr.write(`caduceus: the inspector could not show the end: ${error instanceof Error ? error.stack : String(error)}\n`);
      this.complained = true;
    });
  }

  /** Stops sampling; resolves once no sample is under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }
}
