// P7: scale. 100,000 live pooled tasks, each blocked in recv, started by
// init one after another, then all released and torn down until every page
// is back (bench/programs/p7-init.ts). It reports the cost of a thousand
// starts as the live count grows, the memory each live task costs beyond
// its kernel pages, and the time to tear it all down.

import { PAGE_SIZE } from '../src/abi.ts';
import { type BenchOptions, type BenchReport, median } from './harness.ts';
import { program, runInit } from './run-init.ts';

/** Goals (docs/goals.md): the cost of a start at 100k live against 1k live; 100k starts in all; JS memory per live task. */
export const P7_MAX_GROWTH = 1.5;
export const P7_MAX_START_S = 10;
export const P7_MAX_BYTES_PER_TASK = 4096;

export interface P7Result {
  tasks: number;
  /** Milliseconds of each thousand starts, in order: entry k ends with (k + 1) * 1000 tasks live. */
  thousandMs: number[];
  startMs: number;
  /** Until the last task started was blocked in recv. */
  liveMs: number;
  releaseMs: number;
  teardownMs: number;
  rssBefore: number;
  rssLive: number;
  /** Kernel pages the live tasks took (their Task objects, group CSpaces and Endpoints). */
  taskPages: number;
  atBoot: number;
  atEnd: number;
}

export async function benchP7(options: BenchOptions): Promise<P7Result> {
  const tasks = options.quick ? 10_000 : 100_000;
  // Memory for the tasks' objects and the stores of their caps, with room to spare.
  const memory = Math.min(4096, 64 + Math.ceil((tasks * 3 * PAGE_SIZE) / 2 ** 20)) * 2 ** 20;
  const r = (await runInit(program('p7-init'), [String(tasks)], 2, undefined, memory)) as P7Result;
  if (r.atEnd !== r.atBoot) throw new Error(`P7: ${r.atBoot - r.atEnd} pages did not come back`);
  return r;
}

/** The cost of a thousand starts with about `live` tasks live (the thousand that ends there). */
function thousandAt(r: P7Result, live: number): number {
  return r.thousandMs[Math.min(r.thousandMs.length, Math.max(1, Math.round(live / 1000))) - 1];
}

export function p7Report(r: P7Result): BenchReport {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  // The cost at few live tasks: the median of the thousands from 1k to 10k
  // live. The first thousand is 3-4 x dearer (the child's program loads,
  // the code warms, spin budgets adapt) even after an untimed round, and
  // would flatter the ratio.
  const early = r.thousandMs.slice(1, 10);
  const base = median(early.length > 0 ? early : r.thousandMs);
  const at = [1000, 10_000, 50_000, 100_000].filter((n) => n <= r.tasks);
  const last = thousandAt(r, r.tasks);
  const jsBytes = (r.rssLive - r.rssBefore - r.taskPages * PAGE_SIZE) / r.tasks;
  return {
    id: 'P7',
    title: `${r.tasks.toLocaleString('en')} live pooled tasks blocked in recv: starting them, their memory, tearing them down`,
    tables: [
      {
        columns: ['live tasks', 'a thousand starts', 'vs 1k-10k live'],
        rows: [
          ...at.map((n) => [`${n / 1000 - 1}k-${n / 1000}k`, ms(thousandAt(r, n)), `${(thousandAt(r, n) / base).toFixed(2)} x`]),
          ['1k-10k, median', ms(base), '1.00 x'],
        ],
      },
      {
        columns: ['figure', 'value'],
        rows: [
          [`${r.tasks.toLocaleString('en')} starts`, `${(r.startMs / 1000).toFixed(2)} s (all blocked in recv after ${(r.liveMs / 1000).toFixed(2)} s)`],
          ['RSS before / with every task live', `${(r.rssBefore / 2 ** 20).toFixed(0)} / ${(r.rssLive / 2 ** 20).toFixed(0)} MiB`],
          ['kernel pages of the live tasks', `${r.taskPages} (${((r.taskPages * PAGE_SIZE) / 2 ** 20).toFixed(0)} MiB)`],
          ['memory per live task beyond its kernel pages', `${(jsBytes / 1024).toFixed(2)} KiB`],
          ['release (a send to each) / whole teardown', `${(r.releaseMs / 1000).toFixed(2)} s / ${(r.teardownMs / 1000).toFixed(2)} s, every page back`],
        ],
      },
    ],
    verdicts: [
      { goal: `P7 a start at ${r.tasks / 1000}k live <= ${P7_MAX_GROWTH} x one at 1k-10k live`, measured: `${(last / base).toFixed(2)} x`, met: last / base <= P7_MAX_GROWTH },
      { goal: `P7 ${r.tasks.toLocaleString('en')} starts <= ${P7_MAX_START_S} s`, measured: `${(r.startMs / 1000).toFixed(2)} s`, met: r.startMs / 1000 <= P7_MAX_START_S },
      { goal: `P7 <= ${P7_MAX_BYTES_PER_TASK / 1024} KiB a live task beyond its kernel pages`, measured: `${(jsBytes / 1024).toFixed(2)} KiB (RSS of every thread)`, met: jsBytes <= P7_MAX_BYTES_PER_TASK },
    ],
    notes: ['a start here is configure + start + move of the Task cap into a store CSpace: three calls of init', 'memory per task is the RSS growth of the whole process (every thread) less the kernel pages the tasks took'],
    data: r,
  };
}
