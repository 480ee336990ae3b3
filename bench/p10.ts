// P10: P1, P2 (with P4) and P9 again while another process keeps one core
// busy (busy-core.ts), with B1 and B6 measured under that same load in the
// same run. Goals (docs/goals.md): P1 <= 2 x B1 and P2 <= 2 x B6 of that
// run; no figure near twice the spin budget (bench/goals.ts says what
// "near" is). The busy child is started first and stopped last, also on
// failure; how much CPU it really got is reported.

import { type LoadedBaselines, measureUnderLoad } from './baselines/baselines.ts';
import { startBusyCore } from './busy-core.ts';
import { NEAR, P10_P1_MAX_B1, P10_P2_MAX_B6, SPIN_BUDGETS_NS, nearTwiceSpinBudget } from './goals.ts';
import { type BenchOptions, type BenchReport, type Stats, type Table, formatNs, formatPercent } from './harness.ts';
import { type P9Figures, measureP9, p9Notes, p9Ratios, p9Table } from './kv/p9.ts';
import { type P2Figures, measureP2, measureP1 } from './system.ts';

export interface P10Result {
  /** Cores the busy child used on average (Linux), over the whole benchmark. */
  busyCores?: number;
  baselines: LoadedBaselines;
  p1: Stats;
  p2: P2Figures;
  p9: P9Figures;
  /** P1 / B1 and P2 / B6, by medians. */
  p1B1: number;
  p2B6: number;
  /** The latency figures judged against "no figure near twice the spin budget". */
  nearSpin: { figure: string; ns: number; near: number[] }[];
}

/** Measures all of P10; the busy child runs from the first figure to the last. */
export async function benchP10(options: BenchOptions): Promise<P10Result> {
  const busy = await startBusyCore();
  let measured: Omit<P10Result, 'busyCores'>;
  try {
    const baselines = await measureUnderLoad(options);
    const p1 = await measureP1(options);
    const p2 = await measureP2(options);
    const p9 = await measureP9(options);
    const latencies: Array<[string, number]> = [
      ['P1 null call', p1.median],
      ['P2 call + reply', p2.plain.median],
      ['P4 with a cap by copy', p2.copy.median],
      ['P4 with a cap by move', p2.move.median],
    ];
    measured = {
      baselines,
      p1,
      p2,
      p9,
      p1B1: p1.median / baselines.B1.roundTripNs.median,
      p2B6: p2.plain.median / baselines.B6.roundTripNs.median,
      nearSpin: latencies.map(([figure, ns]) => ({ figure, ns, near: nearTwiceSpinBudget(ns) })),
    };
  } catch (error) {
    await busy.stop().catch(() => undefined);
    throw error;
  }
  return { ...measured, busyCores: await busy.stop() };
}

const row = (name: string, s: Stats, base: number, baseName: string) => [
  name,
  formatNs(s.median),
  formatNs(s.min),
  formatNs(s.max),
  formatPercent(s.spread),
  `${(s.median / base).toFixed(2)} x ${baseName}`,
];

export function p10Report(r: P10Result): BenchReport {
  const b = r.baselines;
  const b1 = b.B1.roundTripNs.median;
  const b6 = b.B6.roundTripNs.median;
  const baselineTable: Table = {
    columns: ['baseline, one core busy', 'median / round trip', 'min', 'max', 'spread', 'round trips timed'],
    rows: b.figures.map((f) => [
      f.informative ? `  ${f.key}` : f.key,
      formatNs(f.roundTripNs.median),
      formatNs(f.roundTripNs.min),
      formatNs(f.roundTripNs.max),
      formatPercent(f.roundTripNs.spread),
      String(f.roundTrips),
    ]),
  };
  const figureTable: Table = {
    columns: ['figure, one core busy', 'median', 'min', 'max', 'spread', 'ratio'],
    rows: [
      row('P1 null call (identify)', r.p1, b1, 'B1'),
      row('P2 call + reply', r.p2.plain, b6, 'B6'),
      row('P4 with a Memory cap by copy', r.p2.copy, b6, 'B6'),
      row('P4 with a Memory cap by move', r.p2.move, b6, 'B6'),
    ],
  };
  const twice = SPIN_BUDGETS_NS.map((n) => formatNs(2 * n)).join(' or ');
  const near = r.nearSpin.filter((n) => n.near.length > 0);
  const ratios = p9Ratios(r.p9);
  const l = b.load;
  return {
    id: 'P10',
    title: 'P1, P2 and P9 with one core kept busy by another process, against B1 and B6 under the same load',
    tables: [baselineTable, figureTable, p9Table(r.p9)],
    verdicts: [
      { goal: `P10 P1 <= ${P10_P1_MAX_B1} x B1 of that run`, measured: `${r.p1B1.toFixed(2)} x`, met: r.p1B1 <= P10_P1_MAX_B1 },
      { goal: `P10 P2 <= ${P10_P2_MAX_B6} x B6 of that run`, measured: `${r.p2B6.toFixed(2)} x`, met: r.p2B6 <= P10_P2_MAX_B6 },
      {
        goal: `P10 no figure near twice the spin budget (${twice}, within ${NEAR * 100} %)`,
        measured: near.length === 0 ? 'none near' : near.map((n) => `${n.figure} ${formatNs(n.ns)}`).join(', '),
        met: near.length === 0,
      },
    ],
    notes: [
      `the load: a child process spinning in an empty loop, started before the first figure and stopped after the last; ` +
        (r.busyCores === undefined ? 'its CPU use is unknown off Linux' : `it used ${r.busyCores.toFixed(2)} cores on average`),
      ...(r.busyCores !== undefined && r.busyCores < 0.8 ? ['WARNING: the child got less than 0.8 cores: the machine was busier still, or the load was not what P10 means'] : []),
      `baselines as in B (first table): B6 is the fastest relay policy under this load, '${b.B6policy}'; the indented rows are every policy`,
      ...(l === undefined
        ? []
        : [`machine load while the baselines ran: this process ${l.ownCores.toFixed(2)} cores, everything else (the child included) ${l.otherCores.toFixed(2)} cores, steal ${l.stealCores.toFixed(2)} cores`]),
      `P9 under this load (informative): Caduceus ${ratios.vsPostMessage.toFixed(2)} x raw postMessage, ${ratios.vsComlink.toFixed(2)} x comlink`,
      ...p9Notes(r.p9),
    ],
    data: r,
  };
}
