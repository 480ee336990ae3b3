// The performance goals of docs/goals.md that are multiples of a baseline,
// in one place, so that every verdict and every note of the suite states
// them the same way, as the goals table does. Change a goal there first.

import { availableParallelism } from 'node:os';
import { END_SPIN_NS, HUB_SPIN_NS } from './baselines/relay.ts';

/** P1: a null system call round trip at most 4 x B2. */
export const P1_MAX_B2 = 4;

/** P3: the amortized cost of a call, 64 pooled tasks on one thread, at most 4 x B2. */
export const P3_MAX_B2 = 4;

/** P9: at least 1.5 x raw postMessage and 4 x comlink, same workload, same run. */
export const P9_MIN_POSTMESSAGE = 1.5;
export const P9_MIN_COMLINK = 4;

/** P11: the resp-server example at least 0.5 x a plain single-threaded Node RESP server's requests/s, same run. */
export const P11_MIN_NODE = 0.5;
/** P11's memory: flat across 2,000,000 requests, read as R4 reads it: under 10 % growth after warm-up. */
export const P11_MAX_GROWTH = 0.1;

/** P10, one core kept busy: P1 at most 2 x B1, P2 at most 2 x B6, of that run. */
export const P10_P1_MAX_B1 = 2;
export const P10_P2_MAX_B6 = 2;

/**
 * The threads in a P2 round trip: the client's pooled thread, the kernel
 * thread, the server's dedicated thread (the host's main thread idles).
 */
export const P2_THREADS = 3;

/** The form of P2's goal that applies to a machine. */
export interface P2Rule {
  baseline: 'B2' | 'B6';
  factor: number;
  /** The goal as a verdict states it, e.g. 'P2 <= 1.3 x B6'. */
  goal: string;
  /** Why this form applies here. */
  why: string;
}

/**
 * P2 is at most 2.6 x B2 where availableParallelism() >= P2_THREADS + 1
 * (more cores than threads: every thread can spin on a core of its own),
 * and otherwise, as on the 2-core machine of docs/goals.md, at most 1.3 x B6.
 */
export function p2Rule(cores: number = availableParallelism()): P2Rule {
  const enough = cores >= P2_THREADS + 1;
  const why = `availableParallelism() = ${cores} ${enough ? '>=' : '<'} ${P2_THREADS} threads + 1`;
  return enough
    ? { baseline: 'B2', factor: 2.6, goal: 'P2 <= 2.6 x B2 (more cores than threads)', why }
    : { baseline: 'B6', factor: 1.3, goal: 'P2 <= 1.3 x B6 (no more cores than threads, as on 2 cores)', why };
}

/**
 * P10's last clause, "no figure near twice the spin budget": the regime
 * where two spinning threads share one core and each round trip costs
 * 2 x budget + a wake-up (docs/benchmarks.md). The budgets are the task
 * threads' (src/workers/runtime.ts, 50 µs) and the kernel thread's
 * (src/kernel/thread/loop.ts, 200 µs). A figure counts as near when it is
 * within NEAR of 2 x budget, either way.
 */
export const SPIN_BUDGETS_NS: readonly number[] = [END_SPIN_NS, HUB_SPIN_NS];
export const NEAR = 0.25;

/** The twice-budgets a figure in ns is near, if any. */
export function nearTwiceSpinBudget(ns: number): number[] {
  return SPIN_BUDGETS_NS.map((b) => 2 * b).filter((twice) => Math.abs(ns / twice - 1) <= NEAR);
}
