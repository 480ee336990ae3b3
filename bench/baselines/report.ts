// B1-B7 as the runner prints them, and their entry in bench/suite.ts.

import { P1_MAX_B2, P3_MAX_B2, p2Rule } from '../goals.ts';
import { type BenchReport, type Table, formatNs, formatPercent } from '../harness.ts';
import { BUSY_CORES, type BaselineFigure, type BaselineResults, type PromiseResults, type RelayResults } from './baselines.ts';
import type { BaselinePlan, Failure } from './measure.ts';
import type { MachineLoad } from './load.ts';

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

/** The figures as a table; with `b2`, a column of ratios to it. */
function figureTable(figures: BaselineFigure[], b2?: BaselineFigure): Table {
  const ratio = (f: BaselineFigure) => (b2 === undefined ? [] : [`${(f.roundTripNs.median / b2.roundTripNs.median).toFixed(2)} x`]);
  return {
    columns: ['figure', 'what', 'median / round trip', 'min', 'max', 'spread', ...(b2 === undefined ? [] : ['x B2']), 'round trips timed'],
    rows: figures.map((f) => [
      f.key,
      f.what,
      formatNs(f.roundTripNs.median),
      formatNs(f.roundTripNs.min),
      formatNs(f.roundTripNs.max),
      formatPercent(f.roundTripNs.spread),
      ...ratio(f),
      String(f.roundTrips),
    ]),
  };
}

function loadNotes(result: { load?: MachineLoad; quiet?: boolean }): string[] {
  const load = result.load;
  if (load === undefined) return [];
  const cores = (c: number) => `${c.toFixed(2)} cores`;
  const notes = [
    `machine load over ${(load.wallMs / 1000).toFixed(1)} s: this process ${cores(load.ownCores)}, ` +
      `other processes ${cores(load.otherCores)}, steal ${cores(load.stealCores)}`,
  ];
  if (result.quiet === false) {
    notes.push(
      `WARNING: other work used more than ${BUSY_CORES} cores; spinning figures (and every ratio to them) are skewed: ` +
        'rerun on a quiet machine before quoting',
    );
  }
  return notes;
}

function methodNote(plan: BaselinePlan): string {
  return (
    `each figure: warm-up ${plan.warmupMs} ms, then ${plan.runs} runs of >= ${plan.runMs} ms ` +
    `(batches of >= ${plan.batchMs} ms), taking turns; spread = (max - min) / median`
  );
}

const relayNote = (r: { relayPolicies: readonly unknown[]; B6policy: string }) =>
  `B6: the relay client (main thread) -> hub -> server -> hub -> client, one word a hop; measured under ${r.relayPolicies.length} ` +
  `policies (rows 'B6 ...'), B6 is the one with the least median in this run: '${r.B6policy}'`;

const PROMISE_NOTE = 'B7: B2 with an awaited promise per round trip; B7 pending map: a Map<seq, resolver> and a microtask per call (informative)';

const failureNotes = (failures: Failure[]) => failures.map((f) => `not measured: ${f.key}: ${f.error}`);

export function baselinesReport(result: BaselineResults): BenchReport {
  const baselines = result.figures.filter((f) => !f.informative);
  const variants = result.figures.filter((f) => f.informative);
  const tables = [figureTable(baselines, result.B2)];
  if (variants.length > 0) tables.push(figureTable(variants, result.B2));
  const notes = [
    methodNote(result.plan),
    `B2 spin policy: spin on Atomics.load up to ${formatNs(result.spinPolicy.spinNs)}, ` +
      'then set "parked" and Atomics.wait; notify only a parked peer',
    relayNote(result),
    PROMISE_NOTE,
    ...goalNotes(result),
    'every answer was checked against what was sent; every worker, relay and pool was stopped, and its count of answers matched',
    ...(variants.length > 0 ? ['second table: informative figures (not baselines): the relay policies, B7 pending map, and with full runs the spin sweep'] : []),
    ...failureNotes(result.failures),
    ...loadNotes(result),
  ];
  return { id: 'B', title: TITLE, tables, verdicts: [], notes, data: result };
}

/** B6 alone: the chosen figure and every policy (informative). */
export function relayReport(result: RelayResults): BenchReport {
  const policies = result.figures.filter((f) => f.informative);
  return {
    id: 'B6',
    title: 'raw three-thread relay, client -> hub -> server -> hub -> client (B6), under each spin/park policy',
    tables: [figureTable([result.B6]), figureTable(policies)],
    verdicts: [],
    notes: [
      methodNote(result.plan),
      relayNote(result),
      'policies: a thread spins on Atomics.load within its budget, then sets its parked word and Atomics.wait; a writer notifies only a parked waiter',
      "every answer was checked; the hub's count of relays and the server's count of answers equalled the round trips made; every worker was stopped",
      ...failureNotes(result.failures),
      ...loadNotes(result),
    ],
    data: result,
  };
}

/** B7 alone, with B2 of the same run. */
export function promiseReport(result: PromiseResults): BenchReport {
  return {
    id: 'B7',
    title: 'B2 with a promise per round trip on the main side (B7): the floor of any awaited call',
    tables: [figureTable(result.figures, result.B2)],
    verdicts: [],
    notes: [
      methodNote(result.plan),
      PROMISE_NOTE,
      `the worker and the spin policy are B2's (spin <= ${formatNs(result.spinPolicy.spinNs)}, then park)`,
      'every answer was checked before and after its await; the worker echoed exactly the round trips made; no call was left pending',
      ...failureNotes(result.failures),
      ...loadNotes(result),
    ],
    data: result,
  };
}
