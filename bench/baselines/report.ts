// B1-B7 as the runner prints them, and their entry in bench/suite.ts.

import { P1_MAX_B2, P3_MAX_B2, p2Rule } from '../goals.ts';
import { type BenchReport, type Table, formatNs, formatPercent } from '../harness.ts';
import { BUSY_CORES, type BaselineFigure, type BaselineResults } from './baselines.ts';

const TITLE = 'raw round trips between threads (B1-B7)';

/** The goals of docs/goals.md that are multiples of a baseline, in ns in this run. */
function goalNotes(result: BaselineResults): string[] {
  const b2 = result.B2.roundTripNs.median;
  const rule = p2Rule();
  const p2Base = rule.baseline === 'B2' ? b2 : result.B6.roundTripNs.median;
  return [
    `P1 (null system call) goal: <= ${P1_MAX_B2} x B2 = ${formatNs(P1_MAX_B2 * b2)} in this run`,
    `P2 (IPC call + reply on two threads) goal here: ${rule.goal} = ${formatNs(rule.factor * p2Base)} in this run (${rule.why})`,
    `P3 (64 pooled tasks on one thread) goal: <= ${P3_MAX_B2} x B2 = ${formatNs(P3_MAX_B2 * b2)} per call in this run`,
  ];
}

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
  const plan = result.plan;
  const notes = [
    `each figure: warm-up ${plan.warmupMs} ms, then ${plan.runs} runs of >= ${plan.runMs} ms ` +
      `(batches of >= ${plan.batchMs} ms), taking turns; spread = (max - min) / median`,
    `B2 spin policy: spin on Atomics.load up to ${formatNs(result.spinPolicy.spinNs)}, ` +
      'then set "parked" and Atomics.wait; notify only a parked peer',
    `B6: the relay client (main thread) -> hub -> server -> hub -> client, one word a hop; measured under ${result.relayPolicies.length} ` +
      `policies (rows 'B6 ...' below), B6 is the one with the least median in this run: '${result.B6policy}'`,
    'B7: B2 with an awaited promise per round trip; B7 pending map: a Map<seq, resolver> and a microtask per call (informative)',
    ...goalNotes(result),
    'every answer was checked against what was sent; every worker, relay and pool was stopped, and its count of answers matched',
    ...(variants.length > 0 ? ['second table: informative figures (not baselines): the relay policies, B7 pending map, and with full runs the spin sweep'] : []),
    ...result.failures.map((f) => `not measured: ${f.key}: ${f.error}`),
    ...loadNotes(result),
  ];
  return { id: 'B', title: TITLE, tables, verdicts: [], notes, data: result };
}
