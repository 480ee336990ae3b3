// P12: controlled mode (docs/explore.md). The step rate: a controlled run
// of calls between init and a pooled server, each call four steps (the
// call, the server's answer taken, the server's next wait, the answer
// written), timed in real time inside init. And the explore rate: whole
// controlled runs of each racy example and its fixed twin, one after
// another on a Machine, as `caduceus explore` makes them.

import { boot } from '../src/index.ts';
import { explore } from '../src/host/explore.ts';
import { type BenchOptions, type BenchReport, type Stats, summarize } from './harness.ts';
import { program, watching } from './run-init.ts';

export const P12_MIN_STEPS_PER_S = 50_000;

export interface ExploreRate {
  example: string;
  runs: number;
  failed: number;
  runsPerS: number;
}

export interface P12Result {
  stepsPerS: Stats;
  steps: number;
  /** Explore runs per second over each racy example (no shrinking) and its fixed twin, on one Machine. */
  explore: ExploreRate[];
}

async function stepRate(calls: number): Promise<{ steps: number; perS: number }> {
  const system = await boot({ init: program('p12-init'), argv: [String(calls)], threads: 1, console: () => {}, schedule: { seed: 1, strategy: 'random' }, ...(watching.inspect ? { inspect: true as const } : {}) });
  try {
    const status = await system.exited;
    const ms = (status.value as { ms?: unknown } | undefined)?.ms;
    if (status.fault || typeof ms !== 'number') throw new Error(`P12 run failed: ${status.fault?.name}: ${status.fault?.message}`);
    // The steps of the timed loop: all but init's setup before it.
    const decisions = status.schedule?.decisions ?? [];
    const first = decisions.findIndex((d) => d.task === 0 && d.op === 'Call');
    const steps = decisions.length - first;
    return { steps, perS: steps / (ms / 1000) };
  } finally {
    await system.shutdown();
  }
}

const RACES = ['lost-update', 'wrong-reply', 'deadlock'];

async function exploreRate(example: string, fixed: boolean, runs: number): Promise<ExploreRate> {
  const init = new URL(`../examples/races/${example}/init.ts`, import.meta.url);
  // Timed whole, as a user waits for it: the Machine's start (a few hundred ms) included.
  const t0 = performance.now();
  const result = await explore({ init, argv: fixed ? ['fixed'] : [], runs, seed: 1, keepGoing: true, shrink: false });
  const s = (performance.now() - t0) / 1000;
  if (fixed && result.failures.length > 0) throw new Error(`P12: the fixed ${example} failed: ${result.failures[0].reason}`);
  return { example: `${example}${fixed ? ' (fixed)' : ''}`, runs, failed: result.failures.length, runsPerS: runs / s };
}

export async function benchP12(options: BenchOptions): Promise<P12Result> {
  const calls = options.quick ? 2000 : 20_000;
  const samples: number[] = [];
  let steps = 0;
  for (let r = 0; r < (options.quick ? 2 : 5); r++) {
    const run = await stepRate(calls);
    samples.push(run.perS);
    steps = run.steps;
  }
  const runs = options.quick ? 50 : 1000;
  const rates: ExploreRate[] = [];
  for (const example of RACES) for (const fixed of [false, true]) rates.push(await exploreRate(example, fixed, runs));
  return { stepsPerS: summarize(samples), steps, explore: rates };
}

export function p12Report(r: P12Result): BenchReport {
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  return {
    id: 'P12',
    title: 'controlled mode: scheduling steps per second, and explore runs per second',
    tables: [
      {
        columns: ['figure', 'median', 'min', 'max', 'spread'],
        rows: [[`steps/s (${r.steps} steps a run)`, k(r.stepsPerS.median), k(r.stepsPerS.min), k(r.stepsPerS.max), `${(r.stepsPerS.spread * 100).toFixed(0)} %`]],
      },
      {
        columns: ['explore (no shrinking)', 'runs', 'failed', 'runs/s'],
        rows: r.explore.map((e) => [e.example, String(e.runs), String(e.failed), e.runsPerS.toFixed(0)]),
      },
    ],
    verdicts: [{ goal: `P12 >= ${k(P12_MIN_STEPS_PER_S)} steps/s`, measured: `${k(r.stepsPerS.median)} steps/s`, met: r.stepsPerS.median >= P12_MIN_STEPS_PER_S }],
    notes: ["each exploration's runs share one Machine (a kernel thread and a pooled thread, started once, in the time)"],
    data: r,
  };
}
