// The choices of controlled mode (docs/explore.md): at each step, which of
// the tasks that can go on does. A strategy picks from the tasks enabled at
// that step, by their launch order; every pick is recorded, so a run is a
// function of its programs, its argv and this record.
//
// - random: a uniform choice at each step.
// - pct: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).
//   Each task gets a random priority when it first appears, and the enabled
//   task of highest priority goes on; at d - 1 steps chosen at random among
//   the first k, the task about to go on drops below every other. A bug of
//   depth d among n tasks and k steps is found in one run with probability
//   at least 1 / (n * k^(d-1)). A task that yields drops below every
//   other, as at a change point: a task polling in a loop of yields would
//   otherwise hold the highest priority for ever and starve the tasks it
//   waits for.
// - replay: follows a recorded schedule, and says where a run stops
//   following it.
// - guided: follows recorded decisions where they still fit (the task can
//   go on), and makes the default choice elsewhere and after their end.
//   Shrinking (src/host/explore.ts) tries edited schedules this way.
//
// The default choice lets the task that went last go on if it can, else
// the first task in launch order that can: it never preempts.

import { randomSource } from '../../abi.ts';

/** One decision: at `step`, the task with launch order `task` went on with `op`. */
export interface Decision {
  step: number;
  task: number;
  op: string;
  /** Set when the task that went last could have gone on, but another was picked. */
  preempt?: true;
  /** What the step gave the task: an errno name, 'OK', or 'blocked'. */
  result?: string;
}

export type Strategy = 'random' | 'pct' | 'replay' | 'guided';

export interface ScheduleOptions {
  seed: number;
  strategy: Strategy;
  /** pct: the bug depth it aims at (default 3). */
  depth?: number;
  /** pct: the number of steps over which its change points fall (default 1000). */
  steps?: number;
  /** replay and guided: the decisions to follow. */
  decisions?: Decision[];
}

/** A task that can go on at a step: its launch order and what it would do. */
export interface Enabled {
  task: number;
  op: string;
}

/** Why a replay cannot go on: the run did something the recording did not. */
export class Divergence extends Error {
  constructor(
    readonly step: number,
    expected: Decision,
    got: Enabled[],
  ) {
    const what = got.find((e) => e.task === expected.task);
    const seen = what ? `got ${what.op}` : `it could not go on (enabled: ${got.map((e) => `task #${e.task} ${e.op}`).join(', ') || 'none'})`;
    super(`uncontrolled nondeterminism in task #${expected.task} at step ${step}: expected ${expected.op}, ${seen}`);
    this.name = 'Divergence';
  }
}

export class Schedule {
  readonly decisions: Decision[] = [];
  private readonly random: () => number;
  private readonly priorities = new Map<number, number>();
  private readonly changes: number[] = [];
  /** pct: the priority below every other, for the next task that yields. */
  private floor = 0;

  constructor(readonly options: ScheduleOptions) {
    this.random = randomSource(options.seed);
    if (options.strategy === 'pct') {
      const depth = options.depth ?? 3;
      const steps = options.steps ?? 1000;
      const points = new Set<number>();
      while (points.size < Math.min(depth - 1, steps)) points.add(1 + Math.floor(this.random() * steps));
      this.changes = [...points].sort((a, b) => a - b);
    }
  }

  /** Steps decided so far. */
  get steps(): number {
    return this.decisions.length;
  }

  /** Picks one of `enabled` (in launch order, never empty) and records it; throws Divergence in a replay that no longer fits. */
  pick(enabled: Enabled[]): Enabled {
    const step = this.decisions.length;
    const chosen = this.choose(step, enabled);
    const last = this.decisions.at(-1)?.task;
    const decision: Decision = { step, task: chosen.task, op: chosen.op };
    if (last !== undefined && chosen.task !== last && enabled.some((e) => e.task === last)) decision.preempt = true;
    this.decisions.push(decision);
    return chosen;
  }

  /** Notes what the last step gave its task. */
  result(text: string): void {
    const last = this.decisions.at(-1);
    if (last) last.result = text;
  }

  /** The choice that never preempts: the task that went last if it can go on, else the first that can. */
  private byDefault(enabled: Enabled[]): Enabled {
    const last = this.decisions.at(-1)?.task;
    return enabled.find((e) => e.task === last) ?? enabled[0];
  }

  private choose(step: number, enabled: Enabled[]): Enabled {
    switch (this.options.strategy) {
      case 'random':
        return enabled[Math.floor(this.random() * enabled.length)];
      case 'pct':
        return this.highest(step, enabled);
      case 'replay': {
        const expected = this.options.decisions?.[step];
        if (!expected) throw new Divergence(step, { step, task: -1, op: 'the end of the recorded schedule' }, enabled);
        const found = enabled.find((e) => e.task === expected.task);
        if (!found || found.op !== expected.op) throw new Divergence(step, expected, enabled);
        return found;
      }
      case 'guided': {
        const wanted = this.options.decisions?.[step]?.task;
        return enabled.find((e) => e.task === wanted) ?? this.byDefault(enabled);
      }
    }
  }

  /** pct: the enabled task of highest priority, after lowering it at a change point. */
  private highest(step: number, enabled: Enabled[]): Enabled {
    const depth = this.options.depth ?? 3;
    for (const e of enabled) if (!this.priorities.has(e.task)) this.priorities.set(e.task, depth + this.random());
    const top = () => enabled.reduce((best, e) => ((this.priorities.get(e.task) as number) > (this.priorities.get(best.task) as number) ? e : best));
    const change = this.changes.indexOf(step + 1);
    if (change >= 0) this.priorities.set(top().task, change / depth);
    const chosen = top();
    if (chosen.op === 'Yield') this.priorities.set(chosen.task, --this.floor);
    return chosen;
  }
}
