// Throughput scaling (issue 12): the stress workload and P3's calling loop
// at 1, 2, 4, 8 and 16 pooled threads and 64 to 10,000 tasks, every task
// pooled. Figures only, no goal: docs/benchmarks.md explains the shape.
//
// P3: each task makes identify calls in a loop; the figure is system calls
// per second of all of them together. Stress: the workload of `caduceus
// stress` without faults, its system calls per second sampled every 250 ms
// once it runs (its first second left out), the median of the samples.

import { boot } from '../src/index.ts';
import { PAGE_SIZE } from '../src/abi.ts';
import { MAX_GROUP, stressPages } from '../src/stress/rng.ts';
import { type BenchOptions, type BenchReport, type Stats, summarize } from './harness.ts';
import { compiled, program, runInit } from './run-init.ts';

export const SCALING_THREADS = [1, 2, 4, 8, 16];
export const SCALING_TASKS = [64, 1000, 10_000];

export interface ScalingPoint {
  kind: 'P3' | 'stress';
  threads: number;
  tasks: number;
  /** System calls per second, one sample per run (P3) or per 250 ms (stress). */
  callsPerS: Stats;
}

export interface ScalingResult {
  points: ScalingPoint[];
}

/** P3's loop with `tasks` tasks over `threads` threads: about 200,000 calls a run. */
export async function p3Point(threads: number, tasks: number, quick: boolean): Promise<ScalingPoint> {
  const calls = Math.max(10, Math.round((quick ? 20_000 : 200_000) / tasks));
  const argv = [String(tasks), String(calls), quick ? '1' : '3', 'many'];
  const memory = Math.max(64, Math.ceil((tasks * 2 * PAGE_SIZE) / 2 ** 20) + 64) * 2 ** 20;
  const { many } = (await runInit(program('p3-init'), argv, threads, undefined, memory)) as { many: number[] };
  return { kind: 'P3', threads, tasks, callsPerS: summarize(many) };
}

const SAMPLE_MS = 250;

/** The stress workload, all pooled and without faults, for `seconds` once its workers run. */
export async function stressPoint(threads: number, tasks: number, seconds: number): Promise<ScalingPoint> {
  const init = new URL(`../src/stress/init${compiled ? '.js' : '.ts'}`, import.meta.url.split('?')[0]);
  let running = false;
  const system = await boot({
    init,
    argv: [String(tasks), String(seconds), '1', '', '0', '', '0', String(MAX_GROUP)],
    memory: Math.max(64 * 2 ** 20, Math.ceil((stressPages(tasks, MAX_GROUP) * PAGE_SIZE) / 2 ** 20) * 2 ** 20),
    threads,
    console: () => {
      running = true;
    },
  });
  try {
    const rates: number[] = [];
    let last: { t: number; calls: number } | null = null;
    let ranFor = 0;
    const total = async () => Object.values((await system.stats()).calls).reduce((a, b) => a + b, 0);
    while (ranFor < seconds * 1000 - SAMPLE_MS) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      if (!running) continue;
      const now = { t: performance.now(), calls: await total() };
      if (last !== null) {
        ranFor += now.t - last.t;
        // The first second after the start line is left out: the workers are still starting.
        if (ranFor > 1000) rates.push(((now.calls - last.calls) * 1000) / (now.t - last.t));
      }
      last = now;
    }
    const status = await system.exited;
    if (status.fault) throw new Error(`stress at ${tasks} tasks, ${threads} threads failed: ${status.fault.name}: ${status.fault.message}`);
    const r = status.value as { lost: number; doubled: number; freeAtBoot: number; freeAtEnd: number };
    if (r.lost > 0 || r.doubled > 0 || r.freeAtBoot !== r.freeAtEnd) throw new Error(`stress at ${tasks} tasks, ${threads} threads lost messages or pages`);
    if (rates.length === 0) throw new Error(`stress at ${tasks} tasks, ${threads} threads: no sample taken`);
    return { kind: 'stress', threads, tasks, callsPerS: summarize(rates) };
  } finally {
    await system.shutdown();
  }
}

export async function benchScaling(options: BenchOptions): Promise<ScalingResult> {
  const quick = options.quick === true;
  const threads = quick ? [1, 2] : SCALING_THREADS;
  const tasks = quick ? [64] : SCALING_TASKS;
  const points: ScalingPoint[] = [];
  for (const n of tasks) for (const t of threads) points.push(await p3Point(t, n, quick));
  for (const n of tasks) for (const t of threads) points.push(await stressPoint(t, n, quick ? 2 : n >= 10_000 ? 6 : 4));
  return { points };
}

export function scalingReport(r: ScalingResult): BenchReport {
  const threads = [...new Set(r.points.map((p) => p.threads))];
  const cell = (p: ScalingPoint | undefined) =>
    p === undefined ? '' : `${Math.round(p.callsPerS.median / 1000)}k/s, ${(1e6 / p.callsPerS.median).toFixed(1)} µs (±${Math.round(p.callsPerS.spread * 50)}%)`;
  const table = (kind: ScalingPoint['kind']) => ({
    columns: [`${kind}: tasks`, ...threads.map((t) => `${t} thread${t > 1 ? 's' : ''}`)],
    rows: [...new Set(r.points.filter((p) => p.kind === kind).map((p) => p.tasks))].map((n) => [
      String(n),
      ...threads.map((t) => cell(r.points.find((p) => p.kind === kind && p.tasks === n && p.threads === t))),
    ]),
  });
  return {
    id: 'S',
    title: 'throughput scaling: system calls/s and cost per call, by pooled threads and tasks',
    tables: [table('P3'), table('stress')],
    verdicts: [],
    notes: [
      'each cell: median system calls per second of all tasks together, the cost per call it amounts to, and ± half the spread',
      'P3: identify calls in a loop, about 200,000 a run, 3 runs; stress: the workload without faults, every task pooled, sampled every 250 ms after its first second',
    ],
    data: r,
  };
}
