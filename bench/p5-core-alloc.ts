// P5 (docs/goals.md): the core alone, ALLOC then DESTROY of one Page in a
// fragmented Memory area, at 2^14, 2^17 and 2^20 pages of physical memory.
// Goal: <= 2 µs per pair, and the cost at 2^20 <= 1.5 x the cost at 2^14.
//
// Three loops, each through kernel.invoke (the core's public entry), on the
// subjects of p5-area.ts:
// - fixed (the P5 figure): { ALLOC a Page into init's last slot; DESTROY that
//   slot } in the holes-shaped area. It reuses one hole, so it touches the
//   same few cache lines at every size.
// - churn: { ALLOC a Page into a spare slot; DESTROY a seeded random other
//   live Page } in the same area: what is touched wanders over all of it.
// - open top: the fixed loop in an area whose lowest free run is its top.
// Each loop is warmed up and calibrated to runs of about the same duration;
// the sizes take turns run by run so drift of the machine spreads over all
// of them. Every result must be errno 0, the free counts must come back, and
// kernel.check() must be clean afterwards (outside the timed part).

import { ObjectType, Op } from '../src/kernel/index.ts';
import {
  type BenchOptions,
  type BenchReport,
  type Stats,
  type Verdict,
  calibrate,
  formatNs,
  formatPercent,
  summarize,
  timeNs,
} from './harness.ts';
import { type P5Area, type P5Subject, SEED, expectOk, freePages, prepareHoles, prepareOpenTop } from './p5-area.ts';

export const P5_SIZES = [1 << 14, 1 << 17, 1 << 20] as const;
const GOAL_NS = 2000;
const GOAL_RATIO = 1.5;

interface Plan {
  warmupMs: number;
  runMs: number;
  runs: number;
}
const FULL: Plan = { warmupMs: 300, runMs: 150, runs: 9 };
const QUICK: Plan = { warmupMs: 40, runMs: 30, runs: 3 };

export type P5LoopName = 'fixed' | 'churn' | 'open top';

/** One loop measured at one size. */
export interface P5Series {
  loop: P5LoopName;
  physicalPages: number;
  area: P5Area;
  setupMs: number;
  /** Nanoseconds per ALLOC + DESTROY pair, one sample per run. */
  nsPerPair: Stats;
  pairsPerRun: number;
  runs: number;
  /** Pairs timed in all (warm-up not included). */
  pairsMeasured: number;
}

export interface P5Result {
  id: 'P5';
  seed: number;
  series: P5Series[];
  /** Per loop: median at 2^20 over median at 2^14. */
  ratios: Record<P5LoopName, number>;
  goals: { nsPerPair: number; ratio: number };
  /** The goals judged on the fixed loop (P5 as specified), then on the other loops. */
  verdicts: Verdict[];
}

type Loop = (s: P5Subject, pairs: number) => number;

function failedPairs(failed: number, pairs: number, errno: number): Error {
  return new Error(`P5: ${failed} of ${pairs} pairs failed (last errno ${errno}); the figure would be worthless`);
}

/** `pairs` x { ALLOC a Page into one slot; DESTROY it }: total nanoseconds. */
const fixedLoop: Loop = (s, pairs) => {
  const { kernel, init } = s;
  const alloc = { op: Op.Alloc, cap: s.memory, type: ObjectType.Page, dest: s.slot };
  const destroy = { op: Op.Destroy, caps: [s.slot] };
  let failed = 0;
  let lastErrno = 0;
  const ns = timeNs(() => {
    for (let i = 0; i < pairs; i++) {
      const a = (kernel.invoke(init, alloc)?.errno ?? -1);
      const d = (kernel.invoke(init, destroy)?.errno ?? -1);
      if ((a | d) !== 0) {
        failed++;
        lastErrno = a || d;
      }
    }
  });
  if (failed > 0) throw failedPairs(failed, pairs, lastErrno);
  return ns;
};

/** `pairs` x { ALLOC a Page into the spare slot; DESTROY a random other Page }. */
const churnLoop: Loop = (s, pairs) => {
  const { kernel, init, memory, pages } = s;
  const picks = new Uint32Array(pairs);
  for (let i = 0; i < pairs; i++) picks[i] = Math.floor(s.random() * pages.length);
  let spare = s.spare;
  let failed = 0;
  let lastErrno = 0;
  const ns = timeNs(() => {
    for (let i = 0; i < pairs; i++) {
      const victim = pages[picks[i]];
      const a = (kernel.invoke(init, { op: Op.Alloc, cap: memory, type: ObjectType.Page, dest: spare })?.errno ?? -1);
      const d = (kernel.invoke(init, { op: Op.Destroy, caps: [victim] })?.errno ?? -1);
      pages[picks[i]] = spare;
      spare = victim;
      if ((a | d) !== 0) {
        failed++;
        lastErrno = a || d;
      }
    }
  });
  s.spare = spare;
  if (failed > 0) throw failedPairs(failed, pairs, lastErrno);
  return ns;
};

/** After the runs: nothing leaked, nothing broken. */
function verify(s: P5Subject): void {
  const free = freePages(s.kernel, s.init, s.memory);
  if (free !== s.freeBefore) throw new Error(`P5: free pages went from ${s.freeBefore} to ${free}`);
  const probe = s.kernel.invoke(s.init, { op: Op.Identify, cap: s.slot });
  expectOk(probe, 'identify');
  if ((probe.value as { type: number }).type !== ObjectType.Null) throw new Error('P5: the timed slot is not empty');
  const violations = s.kernel.check();
  if (violations.length > 0) {
    throw new Error(`P5: kernel.check() found ${violations.length} violations: ${violations.slice(0, 5).join('; ')}`);
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Calibrates `loop` on every subject, then runs it on each in turn, `runs` times. */
async function measure(loop: P5LoopName, run: Loop, subjects: P5Subject[], plan: Plan): Promise<P5Series[]> {
  const pairsPerRun = subjects.map((s) => calibrate((n) => run(s, n), plan.warmupMs, plan.runMs));
  const samples = subjects.map((): number[] => []);
  for (let r = 0; r < plan.runs; r++) {
    subjects.forEach((s, i) => samples[i].push(run(s, pairsPerRun[i]) / pairsPerRun[i]));
    await yieldToEventLoop();
  }
  return subjects.map((s, i) => ({
    loop,
    physicalPages: s.physicalPages,
    area: s.area,
    setupMs: s.setupMs,
    nsPerPair: summarize(samples[i]),
    pairsPerRun: pairsPerRun[i],
    runs: plan.runs,
    pairsMeasured: pairsPerRun[i] * plan.runs,
  }));
}

function judge(series: P5Series[], loop: P5LoopName, ratio: number): Verdict[] {
  const label = loop === 'fixed' ? 'P5' : `${loop} (informative)`;
  const verdicts = series
    .filter((s) => s.loop === loop)
    .map((s) => ({
      goal: `${label}, 2^${Math.log2(s.physicalPages)} pages: <= ${formatNs(GOAL_NS)} per pair`,
      measured: formatNs(s.nsPerPair.median),
      met: s.nsPerPair.median <= GOAL_NS,
    }));
  verdicts.push({ goal: `${label}: cost at 2^20 <= ${GOAL_RATIO} x cost at 2^14`, measured: `${ratio.toFixed(2)} x`, met: ratio <= GOAL_RATIO });
  return verdicts;
}

export async function benchP5(options: BenchOptions = {}): Promise<P5Result> {
  const plan = options.quick ? QUICK : FULL;
  const holes = P5_SIZES.map((pages) => prepareHoles(pages));
  const openTop = P5_SIZES.map((pages) => prepareOpenTop(pages));
  const series = [
    ...(await measure('fixed', fixedLoop, holes, plan)),
    ...(await measure('churn', churnLoop, holes, plan)),
    ...(await measure('open top', fixedLoop, openTop, plan)),
  ];
  [...holes, ...openTop].forEach(verify);

  const ratioOf = (loop: P5LoopName) => {
    const of = series.filter((s) => s.loop === loop);
    return of[of.length - 1].nsPerPair.median / of[0].nsPerPair.median;
  };
  const ratios: Record<P5LoopName, number> = { fixed: ratioOf('fixed'), churn: ratioOf('churn'), 'open top': ratioOf('open top') };
  const verdicts = (['fixed', 'churn', 'open top'] as const).flatMap((loop) => judge(series, loop, ratios[loop]));
  return { id: 'P5', seed: SEED, series, ratios, goals: { nsPerPair: GOAL_NS, ratio: GOAL_RATIO }, verdicts };
}

/** P5 as the runner prints it. */
export function p5Report(result: P5Result): BenchReport {
  return {
    id: result.id,
    title: 'core ALLOC + DESTROY of a Page in a fragmented area',
    tables: [
      {
        columns: ['loop', 'physical pages', 'holes', 'lowest run', 'free', 'median/pair', 'min', 'max', 'spread', 'pairs timed'],
        rows: result.series.map((s) => [
          s.loop,
          `2^${Math.log2(s.physicalPages)}`,
          String(s.area.holes),
          String(s.area.lowestRun),
          formatPercent(s.area.freePages / s.area.pages),
          formatNs(s.nsPerPair.median),
          formatNs(s.nsPerPair.min),
          formatNs(s.nsPerPair.max),
          formatPercent(s.nsPerPair.spread),
          `${s.runs} x ${s.pairsPerRun}`,
        ]),
      },
    ],
    verdicts: result.verdicts,
    notes: [
      'fixed: ALLOC a Page into one slot and DESTROY it, in an area with holes spread all over (P5 as specified)',
      'churn: ALLOC into a spare slot, DESTROY a random other Page, same area; open top: fixed loop, lowest free run = top of the area',
      `ratio 2^20 / 2^14: fixed ${result.ratios.fixed.toFixed(2)} x, churn ${result.ratios.churn.toFixed(2)} x, open top ${result.ratios['open top'].toFixed(2)} x`,
      'every pair returned errno 0; free counts came back; kernel.check() clean for every subject',
    ],
    data: result,
  };
}
