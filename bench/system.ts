// Benchmarks of a running system: P1 (null system call), P2 and P4 (IPC
// between two task threads), P3 (batching across pooled tasks), P6
// (starting pooled tasks), P8 (boot to init's first line, compiled
// JavaScript). Each boots a system with an init program from bench/programs,
// which measures from inside and returns its samples. The verdicts state the
// goals of docs/goals.md through bench/goals.ts.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { P1_MAX_B2, P3_MAX_B2, p2Rule } from './goals.ts';
import { type BenchOptions, type BenchReport, median, summarize, type Stats } from './harness.ts';
import { compiled, program, runInit } from './run-init.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

const fmtNs = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const fmtMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
const spread = (s: Stats) => `${(s.spread * 100).toFixed(1)} %`;

export interface P1Result {
  perCallNs: Stats;
  b2Ns: number;
  ratio: number;
}

/** P1's figure alone: ns per identify round trip from one pooled task, one sample per run. */
export async function measureP1(options: BenchOptions): Promise<Stats> {
  const argv = options.quick ? ['5000', '3'] : ['50000', '7'];
  const samples = (await runInit(program('p1-init'), argv, 1)) as number[];
  return summarize(samples);
}

/** P1: identify round trips from one pooled task, against B2 measured in this run. */
export async function benchP1(options: BenchOptions, b2Ns: number): Promise<P1Result> {
  const perCallNs = await measureP1(options);
  return { perCallNs, b2Ns, ratio: perCallNs.median / b2Ns };
}

export function p1Report(r: P1Result): BenchReport {
  return {
    id: 'P1',
    title: 'null system call (identify) round trip, one task',
    tables: [
      {
        columns: ['figure', 'median', 'min', 'max', 'spread'],
        rows: [['identify round trip', fmtNs(r.perCallNs.median), fmtNs(r.perCallNs.min), fmtNs(r.perCallNs.max), spread(r.perCallNs)], ['B2 (same run)', fmtNs(r.b2Ns), '', '', '']],
      },
    ],
    verdicts: [{ goal: `P1 <= ${P1_MAX_B2} x B2`, measured: `${r.ratio.toFixed(2)} x`, met: r.ratio <= P1_MAX_B2 }],
    notes: [],
    data: r,
  };
}

export interface P2Figures {
  plain: Stats;
  copy: Stats;
  move: Stats;
}

/** What P2's verdict divides by: B2, and B6 with the relay policy it was measured under. */
export interface P2Baselines {
  b2Ns: number;
  b6Ns: number;
  b6Policy: string;
}

export interface P2Result extends P2Figures, P2Baselines {
  /** The form of the goal that applies to this machine, and the ratio it judges. */
  rule: ReturnType<typeof p2Rule>;
  ratio: number;
}

/** P2's and P4's figures alone: ns per call + reply, plain and carrying a Memory cap. */
export async function measureP2(options: BenchOptions): Promise<P2Figures> {
  const argv = options.quick ? ['3000', '3'] : ['20000', '5'];
  const r = (await runInit(program('p2-init'), [...argv, 'plain', 'copy', 'move'], 1)) as Record<'plain' | 'copy' | 'move', number[]>;
  return { plain: summarize(r.plain), copy: summarize(r.copy), move: summarize(r.move) };
}

/** P2 and P4: call + reply between tasks on two threads, against B2 or B6 of this run (bench/goals.ts). */
export async function benchP2(options: BenchOptions, baselines: P2Baselines): Promise<P2Result> {
  const figures = await measureP2(options);
  const rule = p2Rule();
  const base = rule.baseline === 'B2' ? baselines.b2Ns : baselines.b6Ns;
  return { ...figures, ...baselines, rule, ratio: figures.plain.median / base };
}

export function p2Report(r: P2Result): BenchReport {
  const rate = (s: Stats) => r.plain.median / s.median;
  const row = (name: string, s: Stats) => [name, fmtNs(s.median), fmtNs(s.min), fmtNs(s.max), spread(s)];
  const base = (name: string, ns: number) => [name, fmtNs(ns), '', '', '', `${(r.plain.median / ns).toFixed(2)} x`];
  return {
    id: 'P2',
    title: 'IPC call + reply between tasks on two threads (P2), carrying a Memory cap (P4)',
    tables: [
      {
        columns: ['round trip', 'median', 'min', 'max', 'spread', 'P2 / it'],
        rows: [
          row('call + reply', r.plain),
          row('with a Memory cap by copy', r.copy),
          row('with a Memory cap by move', r.move),
          base('B2 (same run)', r.b2Ns),
          base(`B6 (same run, policy '${r.b6Policy}')`, r.b6Ns),
        ],
      },
    ],
    verdicts: [
      { goal: r.rule.goal, measured: `${r.ratio.toFixed(2)} x (${r.rule.why})`, met: r.ratio <= r.rule.factor },
      { goal: 'P4 copy >= 0.8 x the rate of P2', measured: `${rate(r.copy).toFixed(2)} x`, met: rate(r.copy) >= 0.8 },
      { goal: 'P4 move >= 0.8 x the rate of P2', measured: `${rate(r.move).toFixed(2)} x`, met: rate(r.move) >= 0.8 },
    ],
    notes: [
      'client: init on a pooled thread; server: a task on a dedicated thread answering each call and taking the next with one replyRecv',
      'copy: the server also destroys its copy before each answer (one more system call); move: the cap goes there and back with no extra call',
    ],
    data: r,
  };
}

export interface P3Result {
  tasks: number;
  /** Calls/s of one task alone, one sample per run (informative). */
  one: Stats;
  /** Calls/s of all the tasks together, one sample per run. */
  many: Stats;
  /** many / one (informative). */
  ratio: number;
  /** The amortized cost of a call with all the tasks running: 1 s / the median of many. */
  perCallNs: number;
  b2Ns: number;
  /** perCallNs / B2: what P3's goal judges. */
  perCallB2: number;
}

/** P3: 64 pooled tasks on one thread calling in a loop: amortized ns per call, against B2 of this run. */
export async function benchP3(options: BenchOptions, b2Ns: number): Promise<P3Result> {
  const tasks = 64;
  const argv = options.quick ? [String(tasks), '300', '2'] : [String(tasks), '2000', '5'];
  const { one, many } = (await runInit(program('p3-init'), argv, 1)) as { one: number[]; many: number[] };
  const ratio = median(many) / median(one);
  const perCallNs = 1e9 / median(many);
  return { tasks, one: summarize(one), many: summarize(many), ratio, perCallNs, b2Ns, perCallB2: perCallNs / b2Ns };
}

export function p3Report(r: P3Result): BenchReport {
  const rate = (s: Stats) => `${Math.round(s.median).toLocaleString('en')} /s`;
  return {
    id: 'P3',
    title: `${r.tasks} pooled tasks on one thread, each calling in a loop: total calls/s`,
    tables: [
      {
        columns: ['tasks', 'median calls/s', 'spread', 'amortized per call'],
        rows: [
          ['1', rate(r.one), spread(r.one), fmtNs(1e9 / r.one.median)],
          [String(r.tasks), rate(r.many), spread(r.many), fmtNs(r.perCallNs)],
          ['B2 (same run)', '', '', fmtNs(r.b2Ns)],
        ],
      },
    ],
    verdicts: [
      {
        goal: `P3 amortized cost per call, ${r.tasks} pooled tasks on one thread, <= ${P3_MAX_B2} x B2`,
        measured: `${fmtNs(r.perCallNs)} = ${r.perCallB2.toFixed(2)} x B2`,
        met: r.perCallB2 <= P3_MAX_B2,
      },
    ],
    notes: [`informative: ${r.tasks} tasks reach ${r.ratio.toFixed(1)} x the call rate of one task alone`],
    data: r,
  };
}

export interface P6Result {
  latencyMs: Stats;
  burst: number;
  burstMs: number;
}

/** P6: start latency of a pooled task, and a burst of 1,000 starts. */
export async function benchP6(options: BenchOptions): Promise<P6Result> {
  const argv = options.quick ? ['50', '200'] : ['300', '1000'];
  const r = (await runInit(program('p6-init'), argv, 2)) as { latencyMs: number[]; burstMs: number };
  return { latencyMs: summarize(r.latencyMs), burst: Number(argv[1]), burstMs: r.burstMs };
}

export function p6Report(r: P6Result): BenchReport {
  const scaled = (r.burstMs * 1000) / r.burst;
  return {
    id: 'P6',
    title: 'starting a pooled task (program already loaded)',
    tables: [
      {
        columns: ['figure', 'value'],
        rows: [
          ['start to first call, median', fmtMs(r.latencyMs.median)],
          ['min / max', `${fmtMs(r.latencyMs.min)} / ${fmtMs(r.latencyMs.max)}`],
          [`${r.burst} starts, until the last said hello`, fmtMs(r.burstMs)],
        ],
      },
    ],
    verdicts: [
      { goal: 'P6 median <= 1 ms', measured: fmtMs(r.latencyMs.median), met: r.latencyMs.median <= 1 },
      { goal: 'P6 1,000 tasks started in <= 2 s', measured: `${fmtMs(scaled)} per 1,000`, met: scaled <= 2000 },
    ],
    notes: [],
    data: r,
  };
}

export interface P8Result {
  compiledMs: Stats;
  sourceMs: Stats;
}

/**
 * Builds dist/ (npm run build) so boot can be timed without TypeScript
 * compilation. Only from source: compiled, this is dist/ (perhaps an
 * installed package, which has nothing to build from).
 */
function build(): void {
  if (!compiled) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}

async function timeToFirstLine(index: string, init: URL): Promise<number> {
  const { boot: bootFn } = (await import(index)) as typeof import('../src/index.ts');
  const t0 = performance.now();
  let first = 0;
  const system = await bootFn({ init, threads: 2, console: () => (first ||= performance.now()) });
  await system.exited;
  await system.shutdown();
  return first - t0;
}

/** P8: boot to init's first line, compiled JavaScript (and from source, for comparison). */
export async function benchP8(options: BenchOptions): Promise<P8Result> {
  build();
  const runs = options.quick ? 3 : 9;
  const compiledMs: number[] = [];
  const sourceMs: number[] = [];
  const dist = (path: string) => new URL(`../${compiled ? '../' : ''}dist/${path}`, import.meta.url.split('?')[0]);
  const src = (path: string) => new URL(`../${compiled ? '../' : ''}${path}`, import.meta.url.split('?')[0]);
  for (let i = 0; i < runs; i++) {
    compiledMs.push(await timeToFirstLine(dist('src/index.js').href, dist('bench/programs/p8-init.js')));
    if (i < 3 && !compiled) sourceMs.push(await timeToFirstLine(src('src/index.ts').href, src('bench/programs/p8-init.ts')));
  }
  return { compiledMs: summarize(compiledMs), sourceMs: summarize(sourceMs.length > 0 ? sourceMs : [NaN]) };
}

export function p8Report(r: P8Result): BenchReport {
  return {
    id: 'P8',
    title: "boot to init's first line",
    tables: [
      {
        columns: ['build', 'median', 'min', 'max'],
        rows: [
          ['compiled JavaScript (dist/)', fmtMs(r.compiledMs.median), fmtMs(r.compiledMs.min), fmtMs(r.compiledMs.max)],
          ...(Number.isNaN(r.sourceMs.median)
            ? []
            : [['TypeScript through tsx', fmtMs(r.sourceMs.median), fmtMs(r.sourceMs.min), fmtMs(r.sourceMs.max)]]),
        ],
      },
    ],
    verdicts: [{ goal: 'P8 compiled <= 300 ms', measured: fmtMs(r.compiledMs.median), met: r.compiledMs.median <= 300 }],
    notes: Number.isNaN(r.sourceMs.median) ? ['the TypeScript comparison runs only from a clone (npm run bench)'] : [],
    data: r,
  };
}
