// Exploring controlled runs (docs/explore.md): many runs of one system, each
// with its own seed, until one fails; then the failing schedule is shrunk to
// the smallest that still fails the same way, and can be replayed exactly.

import type { DeadlockedTask } from '../kernel/deadlock.ts';
import type { ScheduleRecord } from '../kernel/thread/controlled.ts';
import type { Decision } from '../kernel/thread/schedule.ts';
import { boot, type ExitStatus } from './boot.ts';
import { Machine } from './machine.ts';
import { BootError, moduleUrl } from './options.ts';

export interface ExploreOptions {
  init: URL | string;
  argv?: string[];
  /** Runs to make (default 100). */
  runs?: number;
  /** The seed the runs' seeds come from (default: a random one). */
  seed?: number;
  strategy?: 'random' | 'pct';
  /** pct: the bug depth it aims at (default 3). */
  depth?: number;
  /** Steps between check() and deadlock looks (default 0: only when a run stalls). */
  checkEvery?: number;
  memory?: number;
  /** Pooled threads of each run (default 1). */
  threads?: number;
  /** Go on after a failure (default: stop at the first). */
  keepGoing?: boolean;
  /** Shrink each failing schedule before it is reported (default true). */
  shrink?: boolean;
  /**
   * Boot each run on fresh threads (default false: the runs share one
   * Machine's threads, which is many times faster, but keeps each thread's
   * loaded modules, and so a program's module-level state, from run to run).
   */
  fresh?: boolean;
  /** Told after each run, and after each try while shrinking. */
  progress?: (event: { kind: 'run' | 'shrink'; index: number; failed: boolean }) => void;
}

/** How big a schedule is: its steps, and how many of them preempt a task that could have gone on. */
export interface ScheduleSize {
  steps: number;
  preemptions: number;
}

export interface Failure {
  /** The seed of the failing run. */
  seed: number;
  /** What failed: init's fault or exit code, a deadlock, a divergence, a check() violation. */
  reason: string;
  /** The schedule to replay: the shrunk one when shrinking found a smaller. */
  schedule: ScheduleRecord;
  steps: number;
  /** Sizes before and after shrinking, and the runs it tried. */
  shrunk?: { before: ScheduleSize; after: ScheduleSize; tries: number };
  deadlocked?: DeadlockedTask[];
  /** The Console lines of the run that the schedule replays. */
  console: string[];
}

export interface ExploreResult {
  runs: number;
  /** The seed the runs' seeds came from. */
  seed: number;
  failures: Failure[];
}

/** A schedule file, as explore writes it and replay reads it: the system and the schedule. */
export interface ScheduleFile {
  caduceus: 'schedule';
  init: string;
  argv: string[];
  memory?: number;
  threads: number;
  checkEvery: number;
  reason: string;
  schedule: ScheduleRecord;
}

export interface RunOutcome {
  status: ExitStatus;
  /** Null when the run passed. */
  reason: string | null;
  console: string[];
}

/** The seed of run `index` of an exploration. */
export function runSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(index + 1, 0x165667b1)) >>> 0;
}

/** Why a run failed, or null: init faulted or exited non-zero, or controlled mode stopped it. */
export function verdict(status: ExitStatus): string | null {
  if (status.fault) return `${status.fault.name}: ${status.fault.message}`;
  return status.code === 0 ? null : `init exited with code ${status.code}`;
}

/** Two failures are the same when they differ at most in their numbers (step counts, addresses, values). */
function sameWay(a: string, b: string): boolean {
  const shape = (r: string) => r.replace(/\d+/g, '#');
  return shape(a) === shape(b);
}

export function sizeOf(record: ScheduleRecord): ScheduleSize {
  return { steps: record.steps, preemptions: record.decisions.filter((d) => d.preempt).length };
}

const smaller = (a: ScheduleSize, b: ScheduleSize) => a.preemptions < b.preemptions || (a.preemptions === b.preemptions && a.steps < b.steps);

/** The system a controlled run boots: a schedule file's fields, and a trace to write. */
export type RunSystem = Omit<ScheduleFile, 'caduceus' | 'reason' | 'schedule'> & { trace?: string; inspect?: Watching };

/**
 * A controlled run watched in the inspector: it starts paused before its
 * first step and has no time limit (the person at the page steps it).
 * `booted` hears the page's URL; `ended` is awaited before the system is
 * shut down, so the page can show the end; `interrupted` ends the run early.
 */
export interface Watching {
  host: string;
  port: number;
  booted(url: string): void;
  ended(outcome: RunOutcome): Promise<void>;
  interrupted: Promise<void>;
}

/** How long one controlled run may take before it counts as hung. */
export const RUN_TIMEOUT_MS = 60_000;

/** One controlled run of a system, with its Console lines kept: on a Machine's threads, or on fresh ones. */
export async function controlledRun(
  file: RunSystem,
  schedule: { seed: number; strategy: 'random' | 'pct' | 'replay' | 'guided'; depth?: number; steps?: number; decisions?: Decision[] },
  machine?: Machine,
): Promise<RunOutcome> {
  const console: string[] = [];
  const system = await (machine ? machine.boot.bind(machine) : boot)({
    init: file.init,
    argv: file.argv,
    memory: file.memory,
    threads: file.threads,
    trace: file.trace,
    console: (line) => console.push(line),
    schedule: { ...schedule, checkEvery: file.checkEvery },
    ...(file.inspect ? { inspect: { host: file.inspect.host, port: file.inspect.port, paused: true } } : {}),
  });
  if (file.inspect && system.inspectUrl) file.inspect.booted(system.inspectUrl);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<RunOutcome>((resolve) => {
    if (file.inspect) {
      // Watched: it takes as long as the person stepping it likes, until interrupted.
      void file.inspect.interrupted.then(() => resolve({ status: { code: 130, fault: { name: 'Interrupted', message: 'the run was interrupted' } }, reason: 'interrupted', console }));
      return;
    }
    timer = setTimeout(() => {
      // A task that never makes its next call holds every other one back.
      // Its decisions stay in the kernel thread, which is about to be stopped.
      const record: ScheduleRecord = { seed: schedule.seed, strategy: schedule.strategy, steps: 0, decisions: [], tasks: [] };
      const status: ExitStatus = { code: 1, fault: { name: 'Timeout', message: `the run did not end within ${RUN_TIMEOUT_MS / 1000} s` }, schedule: record };
      resolve({ status, reason: verdict(status), console });
    }, RUN_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([system.exited.then((status) => ({ status, reason: verdict(status), console })), hung]);
    if (file.inspect && outcome.reason !== 'interrupted') await file.inspect.ended(outcome);
    return outcome;
  } finally {
    clearTimeout(timer);
    await system.shutdown();
  }
}

/** Runs `runs` controlled runs of a system, stopping at the first failure unless told to keep going. */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const runs = options.runs ?? 100;
  if (!Number.isInteger(runs) || runs < 1) throw new BootError(`explore: 'runs' must be a whole number of at least 1, got ${String(runs)}`);
  const strategy = options.strategy ?? 'random';
  if (strategy !== 'random' && strategy !== 'pct') throw new BootError(`explore: 'strategy' must be 'random' or 'pct', got ${String(strategy)}`);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const system = { init: moduleUrl(options.init), argv: options.argv ?? [], memory: options.memory, threads: options.threads ?? 1, checkEvery: options.checkEvery ?? 0 };
  const failures: Failure[] = [];
  const machine = options.fresh === true ? undefined : new Machine();
  try {
    return await exploreOn(machine, system, options, { runs, strategy, seed, failures });
  } finally {
    await machine?.close();
  }
}

async function exploreOn(
  machine: Machine | undefined,
  system: RunSystem,
  options: ExploreOptions,
  { runs, strategy, seed, failures }: { runs: number; strategy: 'random' | 'pct'; seed: number; failures: Failure[] },
): Promise<ExploreResult> {
  // pct spreads its change points over a run's length: learnt from the runs so far.
  let longest = 0;
  let made = 0;
  for (let index = 0; index < runs; index++) {
    const s = runSeed(seed, index);
    const outcome = await controlledRun(system, { seed: s, strategy, depth: options.depth, steps: Math.max(longest, 10) }, machine);
    made++;
    const record = outcome.status.schedule as ScheduleRecord;
    longest = Math.max(longest, record.steps);
    options.progress?.({ kind: 'run', index, failed: outcome.reason !== null });
    if (outcome.reason === null) continue;
    let failure: Failure = { seed: s, reason: outcome.reason, schedule: record, steps: record.steps, deadlocked: outcome.status.deadlocked, console: outcome.console };
    if (options.shrink !== false) failure = await shrink(system, failure, options.progress, machine);
    failures.push(failure);
    if (!options.keepGoing) break;
  }
  return { runs: made, seed, failures };
}

/** The most runs shrinking tries for one failure. */
const SHRINK_TRIES = 40;

/**
 * Looks for a smaller schedule that fails the same way: first a shorter
 * prefix of the decisions with default choices after it (which never
 * preempt), then, one at a time from the last, each remaining preemption
 * turned into letting the previous task go on. Each try is a guided run;
 * what is kept is that run's own record, which replays exactly.
 */
async function shrink(system: RunSystem, failure: Failure, progress: ExploreOptions['progress'], machine: Machine | undefined): Promise<Failure> {
  const before = sizeOf(failure.schedule);
  let best = failure;
  let tries = 0;
  const attempt = async (decisions: Decision[]): Promise<boolean> => {
    if (tries >= SHRINK_TRIES) return false;
    const outcome = await controlledRun(system, { seed: failure.seed, strategy: 'guided', decisions }, machine);
    // (Not inside the call's arguments: with no progress callback they would not be evaluated.)
    const index = tries++;
    progress?.({ kind: 'shrink', index, failed: outcome.reason !== null });
    const record = outcome.status.schedule as ScheduleRecord;
    if (outcome.reason === null || !sameWay(outcome.reason, failure.reason) || !smaller(sizeOf(record), sizeOf(best.schedule))) return false;
    best = { ...best, reason: outcome.reason, schedule: record, steps: record.steps, deadlocked: outcome.status.deadlocked, console: outcome.console };
    return true;
  };
  // Shorter prefixes, shortest first.
  const length = best.schedule.decisions.length;
  for (let p = 0; p < length; p = p === 0 ? 1 : p * 2) {
    if (await attempt(best.schedule.decisions.slice(0, p))) break;
  }
  // Fewer preemptions, from the last one back.
  for (let i = best.schedule.decisions.length - 1; i > 0 && tries < SHRINK_TRIES; i--) {
    const decisions = best.schedule.decisions;
    if (!decisions[i].preempt) continue;
    const edited = decisions.map((d) => ({ ...d }));
    edited[i].task = decisions[i - 1].task;
    await attempt(edited);
  }
  return { ...best, shrunk: { before, after: sizeOf(best.schedule), tries } };
}
