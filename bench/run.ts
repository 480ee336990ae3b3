// The benchmark runner: `npm run bench` or `npx tsx bench/run.ts [ids...]
// [--quick] [--json]`. Each benchmark is one entry of BENCHMARKS; ids pick
// some (default all). Prints a table and the verdicts against quality.md per
// benchmark, or with --json one JSON document with the machine and all data.

import { type BenchEntry, type BenchOptions, type BenchReport, formatTable, machineInfo } from './harness.ts';
import { baselinesEntry } from './baselines/report.ts';
import { benchP5, p5Report } from './p5-core-alloc.ts';

const BENCHMARKS: BenchEntry[] = [
  baselinesEntry,
  {
    id: 'P5',
    title: 'core ALLOC + DESTROY of a Page in a fragmented area',
    run: async (options) => p5Report(await benchP5(options)),
  },
];

function usage(): string {
  const ids = BENCHMARKS.map((b) => `  ${b.id}  ${b.title}`).join('\n');
  return `usage: tsx bench/run.ts [ids...] [--quick] [--json]\n\nbenchmarks:\n${ids}`;
}

function printReport(report: BenchReport): void {
  console.log(`\n${report.id}: ${report.title}\n`);
  for (const table of report.tables) console.log(`${formatTable(table)}\n`);
  for (const note of report.notes) console.log(note);
  for (const v of report.verdicts) console.log(`${v.met ? 'MET   ' : 'MISSED'}  ${v.goal}: ${v.measured}`);
}

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const ids = argv.filter((a) => !a.startsWith('--')).map((a) => a.toUpperCase());
  for (const flag of flags) {
    if (flag !== '--json' && flag !== '--quick') {
      console.error(`unknown option ${flag}\n${usage()}`);
      return 2;
    }
  }
  const unknown = ids.filter((id) => !BENCHMARKS.some((b) => b.id === id));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}\n${usage()}`);
    return 2;
  }
  const chosen = ids.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => ids.includes(b.id));
  const options: BenchOptions = { quick: flags.has('--quick') };
  const json = flags.has('--json');
  const machine = machineInfo();
  if (!json) {
    console.log(`machine: ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.platform}`);
    if (options.quick) console.log('quick mode: a smoke test, not figures to quote');
  }
  const reports: BenchReport[] = [];
  for (const bench of chosen) {
    const report = await bench.run(options);
    reports.push(report);
    if (!json) printReport(report);
  }
  if (json) {
    const out = {
      machine,
      command: `tsx bench/run.ts ${argv.join(' ')}`.trim(),
      quick: options.quick,
      results: reports.map((r) => ({ id: r.id, title: r.title, verdicts: r.verdicts, data: r.data })),
    };
    console.log(JSON.stringify(out, null, 2));
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
