// The method every raw baseline is measured by (docs/benchmarks.md): every
// subject (a worker pair, a relay, a one-thread pool) is started first; each
// finds a batch size (>= batchMs of round trips) and is warmed up; then the
// runs (each >= runMs, in whole batches) take turns, subject by subject, in
// an order rotated run by run, so that drift of the machine spreads over all
// figures. A sample is one run's time divided by its round trips. Every
// subject is stopped at the end, also on failure.

import { type Stats, summarize } from '../harness.ts';
import type { Subject } from './subject.ts';

/** One measured round trip. */
export interface BaselineFigure {
  /** 'B1'..'B7' for the baselines, a longer key for the other figures. */
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

export const FULL_PLAN: BaselinePlan = { warmupMs: 200, runMs: 150, runs: 7, batchMs: 2 };
export const QUICK_PLAN: BaselinePlan = { warmupMs: 20, runMs: 20, runs: 3, batchMs: 1 };

/** A figure to measure: how to start its subject and whether a failure may be tolerated. */
export interface Candidate {
  key: string;
  what: string;
  informative: boolean;
  /** May fail without failing the benchmark (reported under failures). */
  optional: boolean;
  start(): Promise<Subject>;
}

export interface Failure {
  key: string;
  error: string;
}

/** A baseline of docs/goals.md; `optional` ones may fail without failing the benchmark. */
export const baseline = (key: string, what: string, start: () => Promise<Subject>, optional = false): Candidate => ({
  key,
  what,
  informative: false,
  optional,
  start,
});

/** A figure shown only to explain a baseline; unless `required`, it may fail. */
export const variant = (key: string, what: string, start: () => Promise<Subject>, required = false): Candidate => ({
  key,
  what,
  informative: true,
  optional: !required,
  start,
});

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

export function describe(error: unknown): string {
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

/** Measures `candidates` by the plan; the figures in the candidates' order, and what failed. */
export async function measureFigures(candidates: readonly Candidate[], plan: BaselinePlan): Promise<{ figures: BaselineFigure[]; failures: Failure[] }> {
  const failures: Failure[] = [];
  const running: Running[] = [];
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
  } catch (error) {
    // Stop everything, but report the failure that stopped the measurement.
    await stopAll(running).catch(() => undefined);
    throw error;
  }
  await stopAll(running);
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
  return { figures, failures };
}
