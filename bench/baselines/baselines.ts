// B1-B5 (docs/goals.md): the raw round trips every thread-crossing figure of the
// suite is quoted against, each between two threads of this process.
//
//   B1  Atomics ping-pong, Atomics.wait / Atomics.notify, no spin
//   B2  the same with a bounded spin before waiting (SPIN_POLICY below)
//   B3  postMessage to a worker that posts the message back
//   B4  comlink call of a worker function that returns its argument
//   B5  piscina pool.run of a task that returns at once, one thread,
//       atomics 'disabled'; the default ('sync') reported beside it
//
// Method (for each figure): every subject (a worker, or a one-thread pool) is
// started first; each finds a batch size (>= 2 ms of round trips) and is
// warmed up; then the runs (each >= runMs, in whole batches) take turns,
// subject by subject, so that drift of the machine spreads over all figures.
// A sample is one run's time divided by its round trips. All workers and
// pools are stopped at the end, also on failure. Later benchmarks (P1-P4)
// call measureBaselines() in their own run and divide by these medians.

import { type BenchOptions, type Stats, summarize } from '../harness.ts';
import { type AtomicsConfig, startAtomics } from './atomics.ts';
import { type MachineLoad, watchLoad } from './load.ts';
import { startComlink, startPiscina, startPostMessage } from './messaging.ts';
import type { Subject } from './subject.ts';

/**
 * B2's spin policy: each waiter spins on Atomics.load for up to 50 µs (the
 * clock is read every 64 loads), then parks in Atomics.wait after setting
 * a "parked" word; a writer calls Atomics.notify only if the other side is
 * parked. On a quiet machine every budget from 10 to 200 µs gives the same
 * round trip; the budget must stay well above the ~17 µs it takes to wake a
 * parked thread on an idle core here, or one hiccup locks both sides into
 * parking; and each extra µs costs 2 µs per round trip whenever another
 * thread competes. See docs/benchmarks.md for the sweep.
 */
export const SPIN_POLICY: AtomicsConfig = { mode: 'spin', spinNs: 50_000 };

export type BaselineId = 'B1' | 'B2' | 'B3' | 'B4' | 'B5';

/** One measured round trip. */
export interface BaselineFigure {
  /** 'B1'..'B5' for the baselines, a longer key for the other figures. */
  key: string;
  what: string;
  /** Nanoseconds per round trip, one sample per run. */
  roundTripNs: Stats;
  /** Round trips timed over all runs (warm-up not included). */
  roundTrips: number;
  /** Round trips per call between two clock reads. */
  batch: number;
  runs: number;
  /** Not a baseline of docs/goals.md: a variant shown to explain one. */
  informative: boolean;
}

export interface BaselinePlan {
  warmupMs: number;
  runMs: number;
  runs: number;
  /** Round trips are timed in batches of at least this long. */
  batchMs: number;
}

export interface BaselineResults {
  id: 'B';
  plan: BaselinePlan;
  spinPolicy: AtomicsConfig;
  /** The five baselines; B5 is piscina with atomics 'disabled'. */
  B1: BaselineFigure;
  B2: BaselineFigure;
  B3: BaselineFigure;
  B4: BaselineFigure;
  B5: BaselineFigure;
  /** B5 with piscina's default atomics ('sync'), if it worked. */
  B5sync?: BaselineFigure;
  /** Every figure measured, baselines first, then the informative variants. */
  figures: BaselineFigure[];
  /** Figures that could not be measured, with the reason. */
  failures: { key: string; error: string }[];
  /** How busy the rest of the machine was meanwhile (Linux only). */
  load?: MachineLoad;
  /**
   * False when other work used more than BUSY_CORES meanwhile: then B2 (and
   * any ratio to it) is not to be quoted. Undefined when the load is unknown.
   */
  quiet?: boolean;
}

/**
 * Other work (other processes plus steal) above this many cores makes the
 * figures unquotable: a competing thread throws a spinning pair into the
 * regime where both share one core (see docs/benchmarks.md).
 */
export const BUSY_CORES = 0.1;

export interface BaselineOptions extends BenchOptions {
  /** Also measure the informative variants (spin budgets, waitAsync, piscina 'async'). */
  variants?: boolean;
}

const FULL: BaselinePlan = { warmupMs: 200, runMs: 150, runs: 7, batchMs: 2 };
const QUICK: BaselinePlan = { warmupMs: 20, runMs: 20, runs: 3, batchMs: 1 };

/** A figure to measure: how to start its subject and whether a failure may be tolerated. */
interface Candidate {
  key: string;
  what: string;
  informative: boolean;
  /** May fail without failing the benchmark (reported under failures). */
  optional: boolean;
  start(): Promise<Subject>;
}

const us = (ns: number) => `${ns / 1000} µs`;

/** A baseline of docs/goals.md; `optional` ones may fail without failing the benchmark. */
const baseline = (key: string, what: string, start: () => Promise<Subject>, optional = false): Candidate => ({
  key,
  what,
  informative: false,
  optional,
  start,
});

/** A figure shown only to explain a baseline; it may fail. */
const variant = (key: string, what: string, start: () => Promise<Subject>): Candidate => ({
  key,
  what,
  informative: true,
  optional: true,
  start,
});

const BASELINES: Candidate[] = [
  baseline('B1', 'Atomics wait/notify ping-pong, no spin', () => startAtomics({ mode: 'wait', spinNs: 0 })),
  baseline('B2', `Atomics ping-pong, spin <= ${us(SPIN_POLICY.spinNs)} then wait`, () => startAtomics(SPIN_POLICY)),
  baseline('B3', 'postMessage round trip, worker echoes', startPostMessage),
  baseline('B4', 'comlink call, worker returns its argument', startComlink),
  baseline('B5', "piscina run, 1 thread, atomics 'disabled'", () => startPiscina('disabled')),
  baseline('B5 sync', "piscina run, 1 thread, atomics 'sync' (default)", () => startPiscina('sync'), true),
];

/** The spin sweep and the other explanatory figures. */
const VARIANTS: Candidate[] = [
  ...[0, 1_000, 5_000, 10_000, 20_000, 200_000, 1_000_000].map((spinNs) =>
    variant(
      `B2 spin ${us(spinNs)}`,
      spinNs === 0 ? 'parked flags, no spin: wait/notify only when needed' : `Atomics ping-pong, spin <= ${us(spinNs)} then wait`,
      () => startAtomics({ mode: 'spin', spinNs }),
    ),
  ),
  variant('B2 always notify', "B2's spin, but notify after every store", () =>
    startAtomics({ ...SPIN_POLICY, alwaysNotify: true }),
  ),
  variant('B1 waitAsync', 'Atomics.waitAsync ping-pong (event loop stays alive)', () => startAtomics({ mode: 'async', spinNs: 0 })),
  variant('B5 async', "piscina run, 1 thread, atomics 'async'", () => startPiscina('async')),
];

/** A batch size that takes at least `batchMs`, found by doubling. */
async function batchSize(subject: Subject, plan: BaselinePlan): Promise<number> {
  for (let n = 1; ; n *= 2) {
    if ((await subject.roundTrips(n)) >= plan.batchMs * 1e6) return n;
  }
}

/**
 * One run: batches until `ms` have passed; nanoseconds per round trip. Runs
 * are bounded by time, not by a count fixed in advance: a pair of threads
 * can switch between a fast regime (both spinning on their own core) and a
 * slow one (the scheduler put both on one core, or both parked), and a count
 * calibrated in one regime would make runs far too short or long in the other.
 */
async function timedRun(subject: Subject, batch: number, ms: number): Promise<{ nsPerTrip: number; trips: number }> {
  let ns = 0;
  let trips = 0;
  while (ns < ms * 1e6) {
    ns += await subject.roundTrips(batch);
    trips += batch;
  }
  return { nsPerTrip: ns / trips, trips };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Running {
  candidate: Candidate;
  subject: Subject;
  batch: number;
  samples: number[];
  trips: number;
}

/** Stops every subject (all of them, even if some fail); throws the first failure. */
async function stopAll(running: Running[]): Promise<void> {
  const outcomes = await Promise.allSettled(running.map((r) => r.subject.stop()));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed !== undefined) throw new Error(`stopping a baseline failed: ${describe(failed.reason)}`);
}

/** Measures the baselines (and with `variants`, the informative figures); round trips in ns. */
export async function measureBaselines(options: BaselineOptions = {}): Promise<BaselineResults> {
  const plan = options.quick ? QUICK : FULL;
  const candidates = options.variants ? [...BASELINES, ...VARIANTS] : BASELINES;
  const failures: { key: string; error: string }[] = [];
  const running: Running[] = [];
  const load = watchLoad();
  const drop = (r: Running, error: unknown) => {
    if (!r.candidate.optional) throw error;
    failures.push({ key: r.candidate.key, error: describe(error) });
    running.splice(running.indexOf(r), 1);
    return r.subject.stop().catch(() => undefined);
  };
  try {
    for (const candidate of candidates) {
      try {
        running.push({ candidate, subject: await candidate.start(), batch: 0, samples: [], trips: 0 });
      } catch (error) {
        if (!candidate.optional) throw error;
        failures.push({ key: candidate.key, error: describe(error) });
      }
    }
    for (const r of [...running]) {
      try {
        r.batch = await batchSize(r.subject, plan);
        await timedRun(r.subject, r.batch, plan.warmupMs);
      } catch (error) {
        await drop(r, error);
      }
      await yieldToEventLoop();
    }
    for (let run = 0; run < plan.runs; run++) {
      // Rotate the order run by run, so no figure always follows the same neighbour.
      const order = running.map((_, i) => running[(i + run) % running.length]);
      for (const r of order) {
        try {
          const { nsPerTrip, trips } = await timedRun(r.subject, r.batch, plan.runMs);
          r.samples.push(nsPerTrip);
          r.trips += trips;
        } catch (error) {
          await drop(r, error);
        }
        await yieldToEventLoop();
      }
    }
  } finally {
    await stopAll(running);
  }
  const machineLoad = load();

  const figures = running.map(
    (r): BaselineFigure => ({
      key: r.candidate.key,
      what: r.candidate.what,
      roundTripNs: summarize(r.samples),
      roundTrips: r.trips,
      batch: r.batch,
      runs: r.samples.length,
      informative: r.candidate.informative,
    }),
  );
  const figure = (key: string) => figures.find((f) => f.key === key);
  const required = (key: BaselineId): BaselineFigure => {
    const f = figure(key);
    if (f === undefined) throw new Error(`baseline ${key} was not measured`);
    return f;
  };
  return {
    id: 'B',
    plan,
    spinPolicy: SPIN_POLICY,
    B1: required('B1'),
    B2: required('B2'),
    B3: required('B3'),
    B4: required('B4'),
    B5: required('B5'),
    B5sync: figure('B5 sync'),
    figures,
    failures,
    load: machineLoad,
    quiet: machineLoad === undefined ? undefined : machineLoad.otherCores + machineLoad.stealCores <= BUSY_CORES,
  };
}
