// `caduceus stress [--tasks N] [--seconds S | --ops N] [--seed X] [--faults LIST]
// [--threads N] [--dedicated N] [--group N] [--memory SIZE] [--warmup S]
// [--controlled [--strategy S] [--depth D]] [--inspect [HOST:PORT]]`: the built-in
// capability-handoff workload (src/stress), with a progress bar, invariant
// checks while it runs and after, and a final report. Exit 1 on any
// violation, lost or doubled message, or page not returned. With --ops and
// --controlled the run is a function of its options, so the same command
// gives the same report. A run not controlled first warms its threads'
// code with a short run of the same workload on the same threads (a
// Machine), which the report leaves out: V8 compiles the hot paths of the
// kernel and task threads within about a second, and a run on cold threads
// spends that second at a third of its pace (docs/benchmarks.md).

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { writeFileSync } from 'node:fs';
import { MAX_MEMORY_PAGES, PAGE_SIZE } from '../abi.ts';
import { Machine } from '../host/machine.ts';
import { DEFAULT_MEMORY, MAX_THREADS, sizeText } from '../host/options.ts';
import type { Snapshot } from '../kernel/snapshot.ts';
import type { StressResult } from '../stress/init.ts';
import { MAX_GROUP, stressPages } from '../stress/rng.ts';
import { checkOutputPath, inspectorLines, parseCount, parseSize, parseStrategy, takeAddressOption, UsageError } from './args.ts';
import { renderCurve, renderDeadlocks } from './render.ts';

/**
 * Workers on dedicated threads by default, at most: each is a thread to
 * start and to schedule. By default no more than there are cores, either:
 * more oversubscribe the machine, and each such thread's code is compiled
 * afresh, on the little CPU it gets (docs/decisions.md D86).
 */
const DEDICATED = 8;
/** Seconds of warm-up run by default before a run that is not controlled, and its workers at most. */
const WARMUP = 1;
const WARMUP_WORKERS = 64;

export const STRESS_USAGE = `usage: caduceus stress [--tasks N] [--seconds S | --ops N] [--seed X] [--faults LIST]
                       [--threads N] [--dedicated N] [--group N] [--memory SIZE] [--warmup S]
                       [--controlled [--strategy S] [--depth D]] [--trace FILE] [--snapshot FILE]
                       [--inspect [HOST:PORT]]

  --tasks N      workers, half servers and half clients (default 16)
  --seconds S    how long the workload runs (default 5)
  --ops N        run until the clients have made N calls in all, instead of for a time
  --seed X       the workload's decisions, and a controlled run's schedule (default: random, printed)
  --faults LIST  faults to inject: kill, throw, destroy-endpoint (comma separated)
  --threads N    pooled task threads, 1 to ${MAX_THREADS} (default: one per core)
  --dedicated N  workers on a dedicated thread each: every fifth worker, up to N
                 (default: one per core, at most ${DEDICATED}, and at most a fifth of the workers)
  --group N      workers per group, 4 to ${MAX_GROUP.toLocaleString('en-US')}: more workers than that are split
                 among foreman tasks, a group each (default ${MAX_GROUP.toLocaleString('en-US')})
  --memory SIZE  physical memory (default: what the workers need, at least 64MiB)
  --warmup S     first run the workload S seconds on the same threads, with at most
                 ${WARMUP_WORKERS} workers and no faults, and leave it out of the report: the
                 threads' code is then compiled when the run starts, dedicated ones'
                 too (default ${WARMUP}; 0: none; never with --controlled)
  --controlled   one task at a time in a seeded order (docs/explore.md); needs --ops.
                 The same command then gives the same report
  --strategy S   with --controlled: random (default) or pct
  --depth D      with --controlled and pct: the bug depth it aims at (default 3)
  --trace FILE   write a Perfetto trace of the run
  --snapshot FILE  write the kernel's state halfway through the run (see caduceus inspect)
  --inspect [HOST:PORT]  serve the live inspector page while it runs (default 127.0.0.1, a free
                 port; the URL is printed); with --controlled it can pause and step the run`;

/** The memory curve's sampling period. */
const SAMPLE_MS = 10_000;

/** A controlled stress run looks for violations and deadlocks every this many steps. */
const CHECK_EVERY = 1000;

const FAULTS = ['kill', 'throw', 'destroy-endpoint'];

const list = (r: Record<string, number>) => Object.entries(r).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';

export async function stressCommand(argsGiven: string[]): Promise<number> {
  const { rest: args, address } = takeAddressOption(argsGiven, '--inspect');
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      tasks: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '5' },
      seed: { type: 'string' },
      faults: { type: 'string', default: '' },
      ops: { type: 'string' },
      threads: { type: 'string' },
      controlled: { type: 'boolean' },
      strategy: { type: 'string' },
      depth: { type: 'string' },
      trace: { type: 'string' },
      snapshot: { type: 'string' },
      dedicated: { type: 'string' },
      group: { type: 'string' },
      memory: { type: 'string' },
      warmup: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(STRESS_USAGE);
    return 0;
  }
  const tasks = parseCount(values.tasks, '--tasks', 2);
  const group = values.group === undefined ? MAX_GROUP : parseCount(values.group, '--group', 4);
  if (group > MAX_GROUP) throw new UsageError(`--group takes a whole number from 4 to ${MAX_GROUP}: a group keeps 5 to 7 caps of each worker in a CSpace of 65,536 slots; got ${group}`);
  const dedicated = values.dedicated === undefined ? Math.min(DEDICATED, availableParallelism(), Math.floor(tasks / 5)) : parseCount(values.dedicated, '--dedicated', 0);
  const memory = memoryFor(tasks, group, values.memory);
  if (values.trace !== undefined) checkOutputPath(values.trace, '--trace');
  if (values.snapshot !== undefined) checkOutputPath(values.snapshot, '--snapshot');
  const seconds = parseCount(values.seconds, '--seconds', 1);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : parseCount(values.seed, '--seed', 0);
  const faults = values.faults.split(',').filter((f) => f.length > 0);
  const unknown = faults.filter((f) => !FAULTS.includes(f));
  if (unknown.length > 0) throw new UsageError(`--faults takes ${FAULTS.join(', ')}, got '${unknown.join(',')}'`);
  const ops = values.ops === undefined ? 0 : parseCount(values.ops, '--ops');
  const threads = values.threads === undefined ? availableParallelism() : parseCount(values.threads, '--threads');
  if (threads > MAX_THREADS) throw new UsageError(`--threads takes a whole number from 1 to ${MAX_THREADS}, got '${values.threads}'`);
  const controlled = values.controlled === true;
  if (controlled && ops === 0) throw new UsageError('--controlled needs --ops N: a run that ends on the clock cannot repeat exactly');
  if (ops > 0 && values.seconds !== '5') throw new UsageError('--seconds and --ops are two ways to end the run: give one');
  if (!controlled && (values.strategy !== undefined || values.depth !== undefined)) throw new UsageError('--strategy and --depth go with --controlled');
  if (controlled && values.warmup !== undefined) throw new UsageError('--warmup goes with runs that are not controlled: a controlled run goes one task at a time, at no pace to warm up for');
  const warmup = controlled ? 0 : values.warmup === undefined ? WARMUP : parseCount(values.warmup, '--warmup', 0);
  const strategy = parseStrategy(values.strategy);
  const depth = values.depth === undefined ? undefined : parseCount(values.depth, '--depth');
  // Every option that shapes the run, so that the line repeats it: the
  // thread counts always, as their defaults depend on the machine's cores.
  const repeat = [
    `caduceus stress --tasks ${tasks}`,
    ops > 0 ? `--ops ${ops}` : `--seconds ${seconds}`,
    `--seed ${seed}`,
    faults.length > 0 ? `--faults ${faults.join(',')}` : '',
    `--threads ${threads}`,
    `--dedicated ${dedicated}`,
    values.group !== undefined ? `--group ${group}` : '',
    values.memory !== undefined ? `--memory ${values.memory}` : '',
    values.warmup !== undefined ? `--warmup ${warmup}` : '',
    controlled ? `--controlled --strategy ${strategy}${depth !== undefined ? ` --depth ${depth}` : ''}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const ext = new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js';
  const init = new URL(`../stress/init${ext}`, import.meta.url.split('?')[0]);
  const argv = (workers: number, s: number, f: string[], n: number, onDedicated: number) => [String(workers), String(s), String(seed), f.join(','), String(n), controlled ? 'controlled' : '', String(onDedicated), String(group)];
  const machine = new Machine();
  try {
    if (warmup > 0) {
      // The code is the same at any size, so a small run warms it: a big one's setup alone takes minutes.
      // Its dedicated threads are kept, once their workers end, for the run's dedicated workers (src/workers/dedicated.ts).
      const workers = Math.min(tasks, WARMUP_WORKERS);
      const onDedicated = Math.min(dedicated, Math.floor(workers / 5));
      process.stderr.write(`stress: warming up for ${warmup} s with ${workers} workers (--warmup 0: none)\n`);
      // Two systems of half the time each: code compiled on the first is
      // specialized to that system's own objects and closures, and the
      // switch to the second throws some of it away; what is compiled again
      // then holds for every system after it (docs/benchmarks.md).
      for (let half = 0; half < 2; half++) {
        const warm = await machine.boot({ init, argv: argv(workers, warmup / 2, [], 0, onDedicated), memory: memoryFor(workers, group, undefined), threads, console: () => {} });
        const status = await warm.exited;
        await warm.shutdown();
        if (status.fault || !status.value) {
          process.stderr.write(`stress: the warm-up run failed: ${status.fault ? `${status.fault.name}: ${status.fault.message}` : 'no report'}\nrepeat with: ${repeat} --warmup 0\n`);
          return 1;
        }
      }
    }
    return await run(machine);
  } finally {
    await machine.close();
  }

  /** The run itself, on the warmed threads. */
  async function run(machine: Machine): Promise<number> {
    let startedAt: number | null = null;
    const bootAt = performance.now();
    const system = await machine.boot({
      init,
      argv: argv(tasks, seconds, faults, ops, dedicated),
      memory,
      threads,
      trace: values.trace,
      // Each group says when its workers are all started: the run is under way once the last has.
      console: () => {
        startedAt = performance.now();
      },
      schedule: controlled ? { seed, strategy, depth, checkEvery: CHECK_EVERY } : undefined,
      inspect: address ?? undefined,
    });
    if (address) process.stderr.write(inspectorLines('stress', system.inspectUrl, address.host));
    // The bar counts seconds, or with --ops the clients' calls so far.
    const total = ops > 0 ? ops : seconds;
    const bar = new SingleBar({
      format: `stress |{bar}| {value}/{total} ${ops > 0 ? 'calls' : 's'} | {calls} calls | {errors} errors | {checks} checks, {violations} violations`,
      stream: process.stderr,
      hideCursor: true,
      // Not a terminal (a CI log): a plain line every second instead of a redrawn bar.
      noTTYOutput: true,
      notTTYSchedule: 1000,
    });
    bar.start(total, 0, { calls: 0, errors: 0, checks: 0, violations: 0 });
    const t0 = performance.now();
    let checks = 0;
    const violations: string[] = [];
    let done = false;
    /** RSS of the whole process and the kernel thread's heap, every SAMPLE_MS. */
    const rss: number[] = [];
    const heap: number[] = [];
    /** System calls so far, every 250 ms from when the workers are started. */
    const pace: Array<{ t: number; calls: number }> = [];
    let snapshot: Snapshot | null = null;
    const watch = (async () => {
      let lastCheck = 0;
      let checkMs = 0;
      let lastSample = t0;
      while (!done) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (done) break;
        const stats = await system.stats().catch(() => null);
        if (stats && performance.now() - lastSample >= SAMPLE_MS) {
          lastSample += SAMPLE_MS;
          rss.push(process.memoryUsage().rss);
          heap.push(stats.heap.kernel);
        }
        // A controlled run checks itself every CHECK_EVERY steps, where the schedule says, not by the clock.
        // Every second, or, when a check takes long (it walks every object),
        // often enough that checking takes at most a tenth of the kernel's time.
        if (!controlled && performance.now() - lastCheck > Math.max(1000, 9 * checkMs)) {
          lastCheck = performance.now();
          const result = await system.check().catch(() => null);
          checkMs = performance.now() - lastCheck;
          if (result) {
            checks++;
            violations.push(...result.violations);
          }
        }
        const calls = stats ? Object.values(stats.calls).reduce((a, b) => a + b, 0) : 0;
        const errors = stats ? Object.values(stats.errors).reduce((a, b) => a + b, 0) : 0;
        const progress = ops > 0 ? (stats?.calls.Call ?? 0) : Math.floor((performance.now() - t0) / 1000);
        bar.update(Math.min(total, progress), { calls, errors, checks, violations: violations.length });
        if (startedAt !== null) pace.push({ t: performance.now() - startedAt, calls });
        // Halfway, every worker is at work: the state worth looking at.
        if (values.snapshot !== undefined && snapshot === null && progress >= total / 2) snapshot = await system.snapshot().catch(() => null);
      }
    })();
    const status = await system.exited;
    done = true;
    await watch;
    if (status.schedule) checks += Math.floor(status.schedule.steps / CHECK_EVERY);
    const final = await system.check();
    checks++;
    violations.push(...final.violations);
    const stats = await system.stats();
    bar.update(total, { checks, violations: violations.length });
    bar.stop();
    await system.shutdown();
    if (values.trace !== undefined) process.stderr.write(`stress: trace written to ${values.trace}\n`);
    if (values.snapshot !== undefined) {
      if (snapshot) {
        writeFileSync(values.snapshot, `${JSON.stringify(snapshot, null, 1)}\n`);
        process.stderr.write(`stress: the state halfway through written to ${values.snapshot}\n`);
      } else process.stderr.write(`stress: the run ended before its halfway snapshot: none written to ${values.snapshot}\n`);
    }
    if (status.fault || !status.value) {
      const deadlocked = status.deadlocked?.length ? `deadlocked:\n${renderDeadlocks(status.deadlocked)}` : '';
      process.stderr.write(`stress: the workload failed: ${status.fault ? `${status.fault.name}: ${status.fault.message}` : 'no report'}\n${deadlocked}repeat with: ${repeat}\n`);
      return 1;
    }
    const r = status.value as StressResult;
    const calls = Object.values(stats.calls).reduce((a, b) => a + b, 0);
    const pagesBack = r.freeAtEnd === r.freeAtBoot;
    const lines = [
      `stress report (seed ${seed})`,
      `  tasks: ${r.servers} servers, ${r.clients} clients${r.groups > 1 ? `, in ${r.groups} groups of a foreman each` : ''}; ${r.dedicated} on dedicated threads`,
      `  operations: ${calls} system calls; ${r.ops} calls and receives by the workers`,
      `  errors by code: ${list(stats.errors)}`,
      `  faults injected: ${list(r.injected)}`,
      `  task endings on the fault Endpoint: ${list(r.endings)}`,
      `  unexpected faults: ${r.unexpectedCount}`,
      ...r.unexpected.map((u) => `    ${u}`),
      `  messages: ${r.delivered} delivered, ${r.lost} lost, ${r.doubled} doubled (servers saw ${r.gaps} gaps, ${r.repeats} repeats)`,
      `  pages: ${r.freeAtBoot} free at boot, ${r.freeAtEnd} after teardown${pagesBack ? ' (every page back)' : ' (PAGES MISSING)'}`,
      `  invariant checks: ${checks}, violations: ${violations.length}`,
      ...paceLines(pace, controlled, startedAt === null ? null : startedAt - bootAt),
      ...memoryLines(rss, heap),
      ...(status.schedule ? [`  schedule: ${status.schedule.steps} controlled steps (${strategy}, seed ${seed}), check() and deadlocks every ${CHECK_EVERY}`] : []),
      ...violations.slice(0, 10).map((v) => `    ${v}`),
    ];
    console.log([...lines, `repeat with: ${repeat}`].join('\n'));
    const failed = violations.length > 0 || r.lost > 0 || r.doubled > 0 || r.gaps > 0 || r.repeats > 0 || !pagesBack || r.unexpectedCount > 0;
    if (failed) process.stderr.write(`stress: FAILED; repeat with: ${repeat}\n`);
    return failed ? 1 : 0;
  }
}

/**
 * How fast the run went once its workers were started: the median rate of
 * system calls over 250 ms windows, and how soon a window first reached 80 %
 * of it. A run that only reaches full speed seconds after its start shows
 * it here; so does how long the workers took to be ready (threads started,
 * modules loaded, caps in place). (A controlled run goes at the schedule's
 * pace: no such line.)
 */
function paceLines(pace: Array<{ t: number; calls: number }>, controlled: boolean, setupMs: number | null): string[] {
  if (controlled || pace.length < 5) return [];
  const rates = pace.slice(1).map((p, i) => ({ t: pace[i].t, rate: ((p.calls - pace[i].calls) * 1000) / (p.t - pace[i].t) }));
  const median = [...rates].map((r) => r.rate).sort((a, b) => a - b)[rates.length >> 1];
  const full = rates.find((r) => r.rate >= 0.8 * median);
  return [`  pace: ${Math.round(median).toLocaleString('en-US')} system calls/s (median of 250 ms windows); 80 % of that ${full ? `${(full.t / 1000).toFixed(2)} s` : 'never'} after the workers started${setupMs === null ? '' : `, ${(setupMs / 1000).toFixed(2)} s after boot`}`];
}

/**
 * The physical memory of a run: --memory if given and enough, else what the
 * workers need (and at least the default 64 MiB). A run that needs more
 * than a system can have, or more than --memory gives, is refused with the
 * figure.
 */
function memoryFor(tasks: number, group: number, given: string | undefined): number {
  const MiB = 2 ** 20;
  const bytesFor = (n: number) => Math.ceil((stressPages(n, group) * PAGE_SIZE) / MiB) * MiB;
  const needed = bytesFor(tasks);
  const most = MAX_MEMORY_PAGES * PAGE_SIZE;
  if (needed > most) {
    let fit = tasks;
    for (let step = 1 << 16; step > 0; step >>= 1) while (bytesFor(fit) > most) fit -= step;
    while (bytesFor(fit + 1) <= most) fit++;
    throw new UsageError(`--tasks ${tasks} needs ${sizeText(needed)} of physical memory, more than the ${sizeText(most)} a system can have: at most ${fit} tasks fit`);
  }
  if (given === undefined) return Math.max(DEFAULT_MEMORY, needed);
  const bytes = parseSize(given, '--memory');
  if (bytes < needed) throw new UsageError(`--tasks ${tasks} needs --memory of at least ${sizeText(needed)}, got ${given}`);
  return bytes;
}

/**
 * The memory curve of a run of 20 s or more: RSS and the kernel thread's
 * heap at each sample, and their growth from 2 minutes in (or the first
 * sample) to the end: a run that leaks shows a curve that keeps rising.
 * A heap sample falls anywhere on the garbage collector's sawtooth, so a
 * long run compares the median of the minute from 2:00 with the median of
 * the last minute, not two single samples.
 */
function memoryLines(rss: number[], heap: number[]): string[] {
  if (rss.length < 2) return [];
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const minute = 60_000 / SAMPLE_MS;
  const atTwo = 2 * minute - 1; // the sample taken at 2:00
  const long = rss.length >= atTwo + 2 * minute;
  const from = long ? atTwo : 0;
  const middle = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const growth = (v: number[]) => {
    const [start, end] = long ? [middle(v.slice(from, from + minute)), middle(v.slice(-minute))] : [v[0], v[v.length - 1]];
    return `${(((end - start) / start) * 100).toFixed(1)} %`;
  };
  const since = long ? '2 min (medians of a minute)' : `${SAMPLE_MS / 1000} s`;
  return [
    `  memory every ${SAMPLE_MS / 1000} s: RSS ${renderCurve(rss)} ${mib(Math.min(...rss))} to ${mib(Math.max(...rss))}; kernel heap ${renderCurve(heap)} ${mib(Math.min(...heap))} to ${mib(Math.max(...heap))}`,
    `  memory growth from ${since} to the end: RSS ${growth(rss)}, kernel heap ${growth(heap)}`,
  ];
}
