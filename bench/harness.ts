// The benchmark suite's common parts: timing, medians and spread, seeded
// randomness for reproducible setups, the machine description, and the shape
// every benchmark entry reports in. A benchmark is an entry in the list of
// bench/run.ts; it measures, checks its own results are real (no silently
// failing calls) and returns structured data plus a table and verdicts.

import { availableParallelism, cpus, totalmem } from 'node:os';

/** Options every benchmark accepts. */
export interface BenchOptions {
  /** Fewer and shorter runs: a smoke test of the benchmark, not a figure to quote. */
  quick?: boolean;
}

/** A goal of docs/goals.md and whether the measured figure meets it. */
export interface Verdict {
  goal: string;
  measured: string;
  met: boolean;
}

/** A printable table: column headings and rows of cells. */
export interface Table {
  columns: string[];
  rows: string[][];
}

/** What one benchmark hands the runner: its data (for --json), tables, verdicts. */
export interface BenchReport {
  id: string;
  title: string;
  tables: Table[];
  verdicts: Verdict[];
  notes: string[];
  data: unknown;
}

/** Median, extremes and spread of repeated measurements of one figure. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median: how far apart the runs were. */
  spread: number;
  samples: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(samples: readonly number[]): Stats {
  const m = median(samples);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return { median: m, min, max, spread: m === 0 ? 0 : (max - min) / m, samples: [...samples] };
}

/** Nanoseconds `body` takes, by the monotonic high-resolution clock. */
export function timeNs(body: () => void): number {
  const start = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - start);
}

/**
 * How many iterations of `loop` fill about `runMs` milliseconds. `loop(n)`
 * runs n iterations and returns the nanoseconds they took. Doubles n until
 * the loop has run for `warmupMs` in all (which also warms the JIT up).
 */
export function calibrate(loop: (n: number) => number, warmupMs: number, runMs: number): number {
  let n = 1;
  let spent = 0;
  for (;;) {
    const ns = loop(n);
    spent += ns;
    if (spent >= warmupMs * 1e6 && ns > 0) return Math.max(1, Math.round((n * runMs * 1e6) / ns));
    n *= 2;
  }
}

/** A seeded pseudo-random source in [0, 1) (mulberry32): same seed, same setup. */
export { rng as seededRandom } from '../src/stress/rng.ts';

/** The machine a figure was measured on. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machineInfo(): Machine {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Formats nanoseconds for a table: "812 ns", "1.24 µs", "3.10 ms". */
export function formatNs(ns: number): string {
  if (ns < 1000) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1000).toFixed(2)} µs`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

/** A table as aligned plain text, first column left-aligned, the rest right-aligned. */
export function formatTable(table: Table): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(table.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}
