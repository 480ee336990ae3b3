// Controlled mode (docs/explore.md): the kernel loop lets one task run its
// own code at a time. A call that arrives is parked, not decided; an answer
// for a blocked task is held, not written. Once no task runs (each has
// parked its next call, is blocked, or has ended), the schedule picks one of
// the tasks that can go on: one with a parked call (decided now) or one with
// a held answer (written now). Then that task runs until its next call. The
// order of every decision is the schedule's, whatever the threads' timing,
// so a run is a function of its programs, argv and recorded decisions.
//
// A run fails on a replay that no longer fits (Divergence), a check()
// violation or deadlock found every `checkEvery` steps, or a stall: no task
// runs and none can go on while some are blocked (a global deadlock).

import { errnoName, opName, taskSeed } from '../../abi.ts';
import type { Fault } from '../../ipc/protocol.ts';
import type { Kernel, SyscallResult } from '../kernel.ts';
import type { DeadlockedTask } from '../deadlock.ts';
import { type Decision, Divergence, Schedule, type ScheduleOptions } from './schedule.ts';
import type { TaskEntry } from './task-entries.ts';

/** What controlled mode asks of the kernel loop. */
export interface Stepper {
  /** Decides a parked call in the core: its answer (the task then runs on), or null when it blocks. */
  perform(entry: TaskEntry, seq: number, request: unknown): SyscallResult | null;
  /** Writes a held answer: the task runs on. */
  resume(entry: TaskEntry, result: SyscallResult): void;
  /** Ends the run with a failure. */
  fail(fault: Fault, deadlocked?: DeadlockedTask[]): void;
}

export interface ControlOptions extends ScheduleOptions {
  /** Run check() and look for deadlocks every this many steps (0: only when the run stalls). */
  checkEvery?: number;
}

/** A controlled run's schedule as it is recorded: enough to replay it. */
export interface ScheduleRecord {
  seed: number;
  strategy: ScheduleOptions['strategy'];
  depth?: number;
  steps: number;
  decisions: Decision[];
  /** The address of each task, by launch order (the `task` of a decision). */
  tasks: number[];
}

/** The inspector's hold on a controlled run: pause, go on freely, take `count` more steps, or go on until `step` steps are taken. */
export type SteerAction = { action: 'pause' } | { action: 'resume' } | { action: 'step'; count: number } | { action: 'run-to'; step: number };

/** Where a controlled run stands, for the inspector. */
export interface ControlStatus {
  steps: number;
  /** The step the run stops before, or null when it runs freely. */
  limit: number | null;
  /** At its limit with no task running its own code: nothing happens until it is steered on. */
  held: boolean;
  /** Init has exited or the run has failed: no more steps. */
  ended: boolean;
  /** The tasks that could go on next, by launch order, with what each would do. */
  enabled: Array<{ task: number; address: number; op: string }>;
  /** The address of each task, by launch order. */
  tasks: number[];
  /** Decisions from the one asked for (at most the last MAX_DECISIONS). */
  decisions: Decision[];
}

/** The most decisions a status carries. */
const MAX_DECISIONS = 1000;

function resultText(result: SyscallResult): string {
  return result.errno === 0 ? 'OK' : (errnoName(result.errno) ?? `errno ${result.errno}`);
}

function opOf(request: unknown): string {
  const op = typeof request === 'object' && request !== null ? (request as { op?: unknown }).op : undefined;
  return typeof op === 'number' ? (opName(op) ?? `op ${op}`) : 'a malformed call';
}

export class ControlledMode {
  readonly schedule: Schedule;
  private readonly running = new Set<TaskEntry>();
  private readonly parked = new Map<TaskEntry, { seq: number; request: unknown; op: string }>();
  private readonly held = new Map<TaskEntry, { result: SyscallResult; op: string }>();
  /** The op of the call each blocked task is in, for the name of its answer. */
  private readonly blockedIn = new Map<TaskEntry, string>();
  private readonly byOrdinal: TaskEntry[] = [];
  private ended = false;
  private deciding = false;
  /** Steps are taken while fewer than this have been: the inspector's pause (Infinity: no pause). */
  private limit = Infinity;

  constructor(
    private readonly kernel: Kernel,
    private readonly stepper: Stepper,
    private readonly options: ControlOptions,
  ) {
    this.schedule = new Schedule(options);
  }

  /** A task was launched: it runs its own code until its first call. */
  launched(entry: TaskEntry): void {
    this.byOrdinal[entry.ordinal] = entry;
    this.running.add(entry);
  }

  /** A task's call arrived: it waits to be picked. */
  park(entry: TaskEntry, seq: number, request: unknown): void {
    this.running.delete(entry);
    this.parked.set(entry, { seq, request, op: opOf(request) });
  }

  /** An answer came for a blocked task: it waits to be picked. */
  hold(entry: TaskEntry, result: SyscallResult): void {
    this.held.set(entry, { result, op: `${this.blockedIn.get(entry) ?? 'call'} answered` });
    this.blockedIn.delete(entry);
  }

  /** The seed of the task's sys.random() stream. */
  taskSeed(entry: TaskEntry): number {
    return taskSeed(this.options.seed, entry.ordinal);
  }

  /** A task ended or was killed: it takes no more part. */
  gone(entry: TaskEntry): void {
    this.running.delete(entry);
    this.parked.delete(entry);
    this.held.delete(entry);
    this.blockedIn.delete(entry);
  }

  /** Init has exited: the run is over, and nothing more is decided. */
  finish(): void {
    this.ended = true;
  }

  record(): ScheduleRecord {
    const { seed, strategy, depth } = this.options;
    return { seed, strategy, ...(strategy === 'pct' ? { depth: depth ?? 3 } : {}), steps: this.schedule.steps, decisions: [...this.schedule.decisions], tasks: this.byOrdinal.map((e) => e.address) };
  }

  /** Takes steps while no task runs. */
  decide(): void {
    if (this.deciding) return;
    this.deciding = true;
    try {
      while (!this.ended && this.running.size === 0 && this.schedule.steps < this.limit) {
        const enabled = this.enabled();
        if (enabled.length === 0) return this.stalled();
        let ordinal: number;
        try {
          ordinal = this.schedule.pick(enabled.map((e) => ({ task: e.ordinal, op: this.nextOp(e) }))).task;
        } catch (error) {
          if (!(error instanceof Divergence)) throw error;
          return this.fail({ name: 'Divergence', message: error.message });
        }
        this.step(this.byOrdinal[ordinal]);
        const every = this.options.checkEvery ?? 0;
        if (every > 0 && this.schedule.steps % every === 0) this.checkNow();
      }
    } finally {
      this.deciding = false;
    }
  }

  /** Pauses, frees or steps the run; the caller then lets it decide(). Throws on a step already taken. */
  steer(how: SteerAction): void {
    const steps = this.schedule.steps;
    if (how.action === 'pause') this.limit = steps;
    else if (how.action === 'resume') this.limit = Infinity;
    else if (how.action === 'step') this.limit = steps + how.count;
    else if (how.step < steps) throw new RangeError(`the run is at step ${steps}, past step ${how.step} already`);
    else this.limit = how.step;
  }

  status(fromDecision = 0): ControlStatus {
    const steps = this.schedule.steps;
    const enabled = this.enabled().map((e) => ({ task: e.ordinal, address: e.address, op: this.nextOp(e) }));
    const from = Math.max(0, Math.min(fromDecision, steps), steps - MAX_DECISIONS);
    const limit = Number.isFinite(this.limit) ? this.limit : null;
    const held = limit !== null && steps >= limit && this.running.size === 0 && !this.ended;
    return { steps, limit, held, ended: this.ended, enabled, tasks: this.byOrdinal.map((e) => e.address), decisions: this.schedule.decisions.slice(from) };
  }

  private step(entry: TaskEntry): void {
    this.running.add(entry);
    const answer = this.held.get(entry);
    if (answer) {
      this.held.delete(entry);
      this.schedule.result(resultText(answer.result));
      this.stepper.resume(entry, answer.result);
      return;
    }
    const call = this.parked.get(entry) as { seq: number; request: unknown; op: string };
    this.parked.delete(entry);
    // An exit is over before perform returns: the run may be recorded in it.
    if (call.op === 'Exit') this.schedule.result('exited');
    const result = this.stepper.perform(entry, call.seq, call.request);
    if (call.op !== 'Exit') this.schedule.result(result === null ? 'blocked' : resultText(result));
    // Blocked, unless the call ended the task (gone() has forgotten it then).
    if (result === null && this.running.delete(entry)) this.blockedIn.set(entry, call.op);
  }

  private nextOp(entry: TaskEntry): string {
    return this.held.get(entry)?.op ?? this.parked.get(entry)?.op ?? '?';
  }

  /** The tasks that can go on, in launch order. */
  private enabled(): TaskEntry[] {
    return this.byOrdinal.filter((e) => e !== undefined && (this.parked.has(e) || this.held.has(e)));
  }

  private checkNow(): void {
    const violations = this.kernel.check();
    if (violations.length > 0) return this.fail({ name: 'InvariantViolation', message: `check() failed at step ${this.schedule.steps}: ${violations.join('; ')}` });
    const deadlocked = this.kernel.deadlocks();
    if (deadlocked.length > 0) this.fail({ name: 'Deadlock', message: `${deadlocked.length} tasks are deadlocked at step ${this.schedule.steps}` }, deadlocked);
  }

  private stalled(): void {
    const deadlocked = this.kernel.deadlocks();
    const at = `at step ${this.schedule.steps}`;
    if (deadlocked.length > 0) this.fail({ name: 'Deadlock', message: `no task can go on ${at}: ${deadlocked.length === 1 ? 'a task is' : `${deadlocked.length} tasks are`} deadlocked` }, deadlocked);
    else this.fail({ name: 'Stalled', message: `no task can go on ${at}, and none is blocked` });
  }

  private fail(fault: Fault, deadlocked?: DeadlockedTask[]): void {
    if (this.ended) return;
    this.ended = true;
    this.stepper.fail(fault, deadlocked);
  }
}
