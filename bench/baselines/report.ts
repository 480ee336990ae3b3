// B1-B5 as the runner prints them, and their entry in bench/run.ts.

import { type BenchReport, type Table, formatNs, formatPercent } from '../harness.ts';
import { BUSY_CORES, type BaselineFigure, type BaselineResults, measureBaselines } from './baselines.ts';

const TITLE = 'raw round trips between two threads (B1-B5)';

/** The goals of docs/goals.md that are multiples of B2, to print beside the baselines. */
const B2_GOALS = [
  { id: 'P1', what: 'null system call', factor: 1.3 },
  { id: 'P2', what: 'IPC call + reply on two threads', factor: 2.6 },
] as const;

function figureTable(figures: BaselineFigure[], b2: BaselineFigure): Table {
  return {
    columns: ['figure', 'what', 'median / round trip', 'min', 'max', 'spread', 'x B2', 'round trips timed'],
    rows: figures.map((f) => [
      f.key,
      f.what,
      formatNs(f.roundTripNs.median),
      formatNs(f.roundTripNs.min),
      formatNs(f.roundTripNs.max),
      formatPercent(f.roundTripNs.spread),
      `${(f.roundTripNs.median / b2.roundTripNs.median).toFixed(2)} x`,
      String(f.roundTrips),
    ]),
  };
}

function loadNotes(result: BaselineResults): string[] {
  const load = result.load;
  if (load === undefined) return [];
  const cores = (c: number) => `${c.toFixed(2)} cores`;
  const notes = [
    `machine load over ${(load.wallMs / 1000).toFixed(1)} s: this process ${cores(load.ownCores)}, ` +
      `other processes ${cores(load.otherCores)}, steal ${cores(load.stealCores)}`,
  ];
  if (result.quiet === false) {
    notes.push(
      `WARNING: other work used more than ${BUSY_CORES} cores; B2 (and every ratio to it) is skewed: ` +
        'rerun on a quiet machine before quoting',
    );
  }
  return notes;
}

export function baselinesReport(result: BaselineResults): BenchReport {
  const baselines = result.figures.filter((f) => !f.informative);
  const variants = result.figures.filter((f) => f.informative);
  const tables = [figureTable(baselines, result.B2)];
  if (variants.length > 0) tables.push(figureTable(variants, result.B2));
  const b2 = result.B2.roundTripNs.median;
  const plan = result.plan;
  const notes = [
    `each figure: warm-up ${plan.warmupMs} ms, then ${plan.runs} runs of >= ${plan.runMs} ms ` +
      `(batches of >= ${plan.batchMs} ms), taking turns; spread = (max - min) / median`,
    `B2 spin policy: spin on Atomics.load up to ${formatNs(result.spinPolicy.spinNs)}, ` +
      'then set "parked" and Atomics.wait; notify only a parked peer',
    ...B2_GOALS.map((g) => `${g.id} (${g.what}) goal: <= ${g.factor} x B2 = ${formatNs(g.factor * b2)} in this run`),
    'every answer was checked against what was sent; every worker and pool was stopped',
    ...(variants.length > 0 ? ['second table: informative variants (not baselines), explaining the spin policy and parking'] : []),
    ...result.failures.map((f) => `not measured: ${f.key}: ${f.error}`),
    ...loadNotes(result),
  ];
  return { id: 'B', title: TITLE, tables, verdicts: [], notes, data: result };
}
