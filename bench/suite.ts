// The benchmark suite: `caduceus bench [ids...] [--quick] [--json]` and
// `npm run bench`. Each benchmark is an entry; the raw baselines (B1-B7) are
// measured once per run and shared, so every ratio to B2 or B6 compares
// figures taken in the same process, minutes apart at most. P10 measures its
// own B1 and B6, under the load it makes.

import {
  type BaselineResults,
  measureBaselines,
  measurePromises,
  measureRelays,
  promiseOf,
  relayOf,
} from './baselines/baselines.ts';
import { baselinesReport, promiseReport, relayReport } from './baselines/report.ts';
import { type BenchOptions, type BenchReport, formatTable, machineInfo } from './harness.ts';
import { benchP9, p9Report } from './kv/p9.ts';
import { watching } from './run-init.ts';
import { benchP5, p5Report } from './p5-core-alloc.ts';
import { benchP10, p10Report } from './p10.ts';
import { benchH, hReport } from './http.ts';
import { benchP11, p11Report } from './p11.ts';
import { benchP12, p12Report } from './p12.ts';
import { benchP7, p7Report } from './p7.ts';
import { benchScaling, scalingReport } from './scaling.ts';
import { benchP1, benchP2, benchP3, benchP6, benchP8, p1Report, p2Report, p3Report, p6Report, p8Report } from './system.ts';

interface SuiteContext {
  options: BenchOptions;
  /** B1-B7, measured once per run at the first call and shared. */
  baselines(): Promise<BaselineResults>;
  /** True when some chosen entry needs the whole baselines: B6 and B7 then report their part of them. */
  sharing: boolean;
}

interface SuiteEntry {
  id: string;
  title: string;
  /** Divides by the shared baselines (or is them). */
  shares?: true;
  run(context: SuiteContext): Promise<BenchReport>;
}

const ENTRIES: SuiteEntry[] = [
  { id: 'B', title: 'raw baselines B1-B7 (round trips between threads)', shares: true, run: async (c) => baselinesReport(await c.baselines()) },
  {
    id: 'B6',
    title: 'raw three-thread relay (the shape of P2 without a kernel), each spin/park policy',
    run: async (c) => relayReport(c.sharing ? relayOf(await c.baselines()) : await measureRelays(c.options)),
  },
  {
    id: 'B7',
    title: 'B2 with a promise per round trip: the floor of an awaited call (vs B2)',
    run: async (c) => promiseReport(c.sharing ? promiseOf(await c.baselines()) : await measurePromises(c.options)),
  },
  { id: 'P1', title: 'null system call round trip, one task (vs B2)', shares: true, run: async (c) => p1Report(await benchP1(c.options, (await c.baselines()).B2.roundTripNs.median)) },
  {
    id: 'P2',
    shares: true,
    title: 'call + reply between tasks on two threads, plain and carrying a Memory cap (P2, P4; vs B6 or B2)',
    run: async (c) => {
      const b = await c.baselines();
      return p2Report(await benchP2(c.options, { b2Ns: b.B2.roundTripNs.median, b6Ns: b.B6.roundTripNs.median, b6Policy: b.B6policy }));
    },
  },
  { id: 'P3', title: '64 pooled tasks on one thread: amortized cost per call (vs B2)', shares: true, run: async (c) => p3Report(await benchP3(c.options, (await c.baselines()).B2.roundTripNs.median)) },
  { id: 'P5', title: 'core ALLOC + DESTROY of a Page in a fragmented area', run: async (c) => p5Report(await benchP5(c.options)) },
  { id: 'P6', title: 'starting a pooled task', run: async (c) => p6Report(await benchP6(c.options)) },
  { id: 'P7', title: '100,000 live pooled tasks: starts, memory, teardown', run: async (c) => p7Report(await benchP7(c.options)) },
  { id: 'P8', title: "boot to init's first line, compiled JavaScript", run: async (c) => p8Report(await benchP8(c.options)) },
  { id: 'P9', title: 'kv workload, 64 pooled clients: Caduceus vs raw postMessage and comlink', run: async (c) => p9Report(await benchP9(c.options)) },
  { id: 'P11', title: 'resp-server example under redis-benchmark, vs a plain Node RESP server (and redis-server)', run: async (c) => p11Report(await benchP11(c.options)) },
  { id: 'H', title: 'http-server example under autocannon, vs the same routes in plain Node', run: async (c) => hReport(await benchH(c.options)) },
  { id: 'P12', title: 'controlled mode: scheduling steps per second, and explore runs per second', run: async (c) => p12Report(await benchP12(c.options)) },
  { id: 'S', title: 'throughput scaling: P3 and stress at 1-16 pooled threads and 64-10,000 tasks', run: async (c) => scalingReport(await benchScaling(c.options)) },
  {
    id: 'P10',
    title: 'P1, P2, P9 with one core kept busy by a spinning process, vs B1 and B6 under the same load',
    run: async (c) => p10Report(await benchP10(c.options)),
  },
];

export const BENCH_USAGE = `usage: caduceus bench [ids...] [--quick] [--json] [--inspect]

  ids        some of: ${ENTRIES.map((e) => e.id).join(', ')} (default: all)
  --quick    short runs: a smoke test, not figures to quote
  --json     one JSON document: machine, verdicts, every sample
  --inspect  every system booted serves the live inspector: compare with a run
             without it for what watching costs (P9, P12)

benchmarks:
${ENTRIES.map((e) => `  ${e.id.padEnd(3)} ${e.title}`).join('\n')}`;

function printReport(report: BenchReport): void {
  console.log(`\n${report.id}: ${report.title}\n`);
  for (const table of report.tables) console.log(`${formatTable(table)}\n`);
  for (const note of report.notes) console.log(note);
  for (const v of report.verdicts) console.log(`${v.met ? 'MET   ' : 'MISSED'}  ${v.goal}: ${v.measured}`);
}

export async function runBenchmarks(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const flags = argv.filter((a) => a.startsWith('-'));
  const ids = argv.filter((a) => !a.startsWith('-')).map((a) => a.toUpperCase());
  const wrong = flags.filter((f) => f !== '--json' && f !== '--quick' && f !== '--inspect');
  const unknown = ids.filter((id) => !ENTRIES.some((e) => e.id === id));
  if (wrong.length > 0 || unknown.length > 0) {
    const what = [...wrong.map((f) => `unknown option ${f}`), ...unknown.map((id) => `unknown benchmark ${id}`)].join('; ');
    process.stderr.write(`caduceus bench: ${what}\n\n${BENCH_USAGE}\n`);
    return 2;
  }
  const chosen = ids.length === 0 ? ENTRIES : ENTRIES.filter((e) => ids.includes(e.id));
  const options: BenchOptions = { quick: flags.includes('--quick') };
  watching.inspect = flags.includes('--inspect');
  const json = flags.includes('--json');
  let baselines: Promise<BaselineResults> | undefined;
  const context: SuiteContext = {
    options,
    baselines: () => (baselines ??= measureBaselines({ ...options, variants: !options.quick })),
    sharing: chosen.some((e) => e.shares === true),
  };
  const machine = machineInfo();
  if (!json) {
    console.log(`machine: ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.platform}`);
    if (options.quick) console.log('quick mode: a smoke test, not figures to quote');
    if (watching.inspect) console.log('inspect: every system booted serves the live inspector');
  }
  const reports: BenchReport[] = [];
  for (const entry of chosen) {
    const report = await entry.run(context);
    if (entry.shares === true && entry.id !== 'B' && baselines !== undefined && (await baselines).quiet === false) {
      report.notes.push('WARNING: the baselines of this run were measured while other work was busy (see B): the ratios to them are skewed, do not quote these verdicts');
    }
    reports.push(report);
    if (!json) printReport(report);
  }
  if (json) {
    const results = reports.map((r) => ({ id: r.id, title: r.title, verdicts: r.verdicts, data: r.data }));
    console.log(JSON.stringify({ machine, command: `caduceus bench ${argv.join(' ')}`.trim(), quick: options.quick, inspect: watching.inspect, results }, null, 2));
  }
  return 0;
}
