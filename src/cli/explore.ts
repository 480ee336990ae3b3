// `caduceus explore <init>`: many controlled runs with derived seeds, until
// one fails; the failure is shrunk, written as a schedule file, shown step
// by step, and replayable with `caduceus replay <schedule.json>`.

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { controlledRun, explore, type Failure, type RunOutcome, type ScheduleFile, sizeOf, type Watching } from '../host/explore.ts';
import { MAX_THREADS, moduleUrl } from '../host/options.ts';
import type { ScheduleRecord } from '../kernel/thread/controlled.ts';
import { checkOutputPath, inspectorLines, parseCount, parseSize, parseStrategy, takeAddressOption, UsageError } from './args.ts';
import { objectName, renderDeadlocks } from './render.ts';

export const EXPLORE_USAGE = `usage: caduceus explore <init-module> [options] [-- argv...]

  <init-module>      the init task's module; a run fails when init throws or exits non-zero,
                     or when a run deadlocks, diverges or fails check()
  --runs N           controlled runs to make (default 100)
  --seed S           where each run's seed comes from (default: random, printed)
  --strategy S       random (default) or pct
  --depth D          pct: the bug depth it aims at (default 3)
  --check-every K    run check() and look for deadlocks every K steps (default: only at a stall)
  --keep-going       go on after a failure
  --no-shrink        report a failing schedule as found
  --out FILE         where to write the failing schedule (default caduceus-schedule.json)
  --trace FILE       also write a Perfetto trace of the failing run, replayed
  --memory SIZE      physical memory of each run (default 64MiB)
  --threads N        pooled task threads of each run, 1 to ${MAX_THREADS} (default 1)
  --fresh            boot each run on fresh threads (slower); by default the runs share
                     one kernel thread and its task threads, which keep the programs' modules,
                     and so their module-level variables, from run to run

exit status: 0 when every run passed, 1 on a failure, 2 for bad usage`;

export const REPLAY_USAGE = `usage: caduceus replay <schedule.json> [--trace FILE] [--inspect [HOST:PORT]]

  Replays a schedule that caduceus explore wrote: the same steps, results and verdict.
  --trace FILE       write a Perfetto trace of the replayed run
  --inspect [HOST:PORT]
                     serve the inspector page (default 127.0.0.1, a free port), the run paused
                     before its first step: step it from the page. Once it is over the page
                     shows its end until Ctrl-C

exit status: 0 when the replay reproduced the recorded run, 1 when it did not, 2 for bad usage`;

/** The interleaving of a schedule, a line per step: step, task, what it did, what it got. */
export function renderSchedule(record: ScheduleRecord, limit = 200): string {
  const skip = Math.max(0, record.decisions.length - limit);
  const lines = record.decisions.slice(skip).map((d) => {
    const who = `#${d.task} ${objectName('Task', record.tasks[d.task] ?? 0)}`;
    return `  ${String(d.step).padStart(5)}  ${who.padEnd(18)} ${d.op.padEnd(18)} ${d.result ?? ''}${d.preempt ? '   (preempts)' : ''}\n`;
  });
  return `${skip > 0 ? `  ... ${skip} earlier steps\n` : ''}${lines.join('')}`;
}

export async function exploreCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      runs: { type: 'string' },
      seed: { type: 'string' },
      strategy: { type: 'string' },
      depth: { type: 'string' },
      'check-every': { type: 'string' },
      'keep-going': { type: 'boolean' },
      'no-shrink': { type: 'boolean' },
      out: { type: 'string' },
      trace: { type: 'string' },
      memory: { type: 'string' },
      threads: { type: 'string' },
      fresh: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(EXPLORE_USAGE);
    return 0;
  }
  const [init, ...argv] = positionals;
  if (!init) throw new UsageError('explore needs the init module to run');
  const strategy = parseStrategy(values.strategy);
  const out = values.out ?? 'caduceus-schedule.json';
  checkOutputPath(out, '--out');
  if (values.trace !== undefined) checkOutputPath(values.trace, '--trace');
  const runs = values.runs === undefined ? 100 : parseCount(values.runs, '--runs');
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : parseCount(values.seed, '--seed', 0);
  if (seed > 0xffffffff) throw new UsageError(`--seed takes a whole number from 0 to 4294967295, got '${values.seed}'`);
  const threads = values.threads === undefined ? 1 : parseCount(values.threads, '--threads');
  const memory = values.memory === undefined ? undefined : parseSize(values.memory, '--memory');
  const checkEvery = values['check-every'] === undefined ? 0 : parseCount(values['check-every'], '--check-every');
  const depth = values.depth === undefined ? undefined : parseCount(values.depth, '--depth');
  const bar = new SingleBar({ format: 'explore |{bar}| {value}/{total} runs | {failures} failed{shrinking}', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 });
  bar.start(runs, 0, { failures: 0, shrinking: '' });
  let failed = 0;
  const result = await explore({
    init,
    argv,
    runs,
    seed,
    strategy,
    depth,
    checkEvery,
    memory,
    threads,
    keepGoing: values['keep-going'] === true,
    shrink: values['no-shrink'] !== true,
    fresh: values.fresh === true,
    progress: (e) => {
      if (e.kind === 'run') {
        if (e.failed) failed++;
        bar.update(e.index + 1, { failures: failed, shrinking: '' });
      } else bar.update({ shrinking: ` | shrinking, try ${e.index + 1}` });
    },
  }).finally(() => bar.stop());
  // Every option that shapes the runs, so that the line repeats them exactly.
  const shaping = [
    depth ? `--depth ${depth}` : '',
    checkEvery ? `--check-every ${checkEvery}` : '',
    values.memory !== undefined ? `--memory ${values.memory}` : '',
    threads !== 1 ? `--threads ${threads}` : '',
    values.fresh ? '--fresh' : '',
  ].filter(Boolean);
  const again = (s: number) => [`caduceus explore ${init} --runs ${runs} --seed ${s} --strategy ${strategy}`, ...shaping, ...(argv.length ? [`-- ${argv.join(' ')}`] : [])].join(' ');
  if (result.failures.length === 0) {
    process.stdout.write(`explore: ${result.runs} runs passed (seed ${result.seed}, ${strategy})\nrepeat with: ${again(result.seed)}\n`);
    return 0;
  }
  const file: ScheduleFile = { caduceus: 'schedule', init: moduleUrl(init), argv, memory, threads, checkEvery, reason: result.failures[0].reason, schedule: result.failures[0].schedule };
  writeFileSync(out, `${JSON.stringify(file, null, 1)}\n`);
  for (const failure of result.failures) process.stdout.write(report(failure));
  process.stdout.write(`${result.failures.length} of ${result.runs} runs failed (seed ${result.seed}, ${strategy}).\nschedule written to ${out}\nreplay with: caduceus replay ${out}\nrepeat with: ${again(result.seed)}\n`);
  if (values.trace !== undefined) {
    await controlledRun({ ...file, trace: values.trace }, { seed: file.schedule.seed, strategy: 'replay', decisions: file.schedule.decisions });
    process.stdout.write(`trace of the failing run written to ${values.trace}\n`);
  }
  return 1;
}

function report(failure: Failure): string {
  const size = sizeOf(failure.schedule);
  const shrunk = failure.shrunk ? `shrunk from ${failure.shrunk.before.steps} steps and ${failure.shrunk.before.preemptions} preemptions to ${size.steps} and ${size.preemptions} (${failure.shrunk.tries} tries)` : `${size.steps} steps, ${size.preemptions} preemptions`;
  const deadlocks = failure.deadlocked?.length ? `deadlocked:\n${renderDeadlocks(failure.deadlocked)}` : '';
  return `\nrun with seed ${failure.seed} failed: ${failure.reason}\n${shrunk}\n${renderSchedule(failure.schedule)}${deadlocks}`;
}

export async function replayCommand(argsGiven: string[]): Promise<number> {
  const { rest: args, address } = takeAddressOption(argsGiven, '--inspect');
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { trace: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(REPLAY_USAGE);
    return 0;
  }
  const [path] = positionals;
  if (!path || positionals.length > 1) throw new UsageError('replay takes one schedule file, as caduceus explore writes it');
  if (values.trace !== undefined) checkOutputPath(values.trace, '--trace');
  let file: ScheduleFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as ScheduleFile;
  } catch (error) {
    throw new UsageError(`cannot read the schedule ${path}: ${(error as Error).message}`);
  }
  if (file?.caduceus !== 'schedule' || !Array.isArray(file.schedule?.decisions)) throw new UsageError(`${path} is not a schedule that caduceus explore wrote`);
  let interrupt = () => {};
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  const watching: Watching | undefined = address
    ? {
        ...address,
        interrupted,
        booted: (url) => process.stderr.write(`${inspectorLines('replay', url, address.host)}caduceus replay: the run is paused before its first step: step it from the page\n`),
        ended: async (outcome) => {
          process.stdout.write(replayReport(outcome, file, values.trace).text);
          process.stderr.write('caduceus replay: the run is over; the inspector shows its end until Ctrl-C\n');
          await interrupted;
        },
      }
    : undefined;
  if (watching) process.on('SIGINT', interrupt);
  let outcome: RunOutcome;
  try {
    outcome = await controlledRun({ ...file, trace: values.trace, inspect: watching }, { seed: file.schedule.seed, strategy: 'replay', decisions: file.schedule.decisions });
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  if (outcome.reason === 'interrupted') {
    process.stderr.write('caduceus replay: interrupted\n');
    return 130;
  }
  const report = replayReport(outcome, file, values.trace);
  if (!watching) process.stdout.write(report.text);
  return report.code;
}

/** What a replay prints: its Console lines, its steps and its verdict, and whether it reproduced the recorded run (code 0) or not (1). */
function replayReport(outcome: RunOutcome, file: ScheduleFile, trace: string | undefined): { text: string; code: number } {
  const record = outcome.status.schedule as ScheduleRecord;
  const same = outcome.reason === file.reason && JSON.stringify(record.decisions) === JSON.stringify(file.schedule.decisions);
  const lines = [`${outcome.console.map((l) => `${l}\n`).join('')}${renderSchedule(record)}verdict: ${outcome.reason ?? 'passed'}\n`];
  if (trace !== undefined) lines.push(`trace written to ${trace}\n`);
  lines.push(same ? `reproduced: the same ${record.steps} steps, results and verdict\n` : `not reproduced: the recorded run ${file.reason ? `failed with ${file.reason}` : 'passed'}\n`);
  return { text: lines.join(''), code: same ? 0 : 1 };
}
