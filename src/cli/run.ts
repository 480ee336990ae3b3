// `caduceus run <init-module> [--memory 64MiB] [--threads N] [--timeout D] [--inspect [HOST:PORT]] [--net HOST:PORT]... [-- argv...]`:
// boots a system, prints its Console output, and exits with init's code.

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { boot, type ExitStatus, type System } from '../host/boot.ts';
import { MAX_THREADS } from '../host/options.ts';
import { checkOutputPath, durationText, inspectorLines, parseCount, parseDuration, parseSize, takeAddressOption, UsageError } from './args.ts';
import { objectName, renderDeadlocks, taskState } from './render.ts';

export const RUN_USAGE = `usage: caduceus run <init-module> [options] [-- argv...]

  <init-module>     the init task's module (.ts, .js or .mjs)
  --memory SIZE     physical memory, whole pages, 1040KiB (260 pages) to 4GiB (default 64MiB)
  --threads N       pooled task threads, 1 to ${MAX_THREADS} (default: available cores)
  --timeout D       stop a system whose init has not exited after D (30s, 500ms, 2m),
                    say what each task was blocked on, and exit 124
  --trace FILE      write a Chrome/Perfetto trace of the run (open it in ui.perfetto.dev)
  --snapshot FILE   write the kernel's state as init exits (see caduceus inspect)
  --inspect [HOST:PORT]
                    serve the live inspector page while the system runs (default
                    127.0.0.1 and a free port; the URL is printed on stderr)
  --net HOST:PORT   grant init a Net cap (slot 4) that may listen on this loopback
                    address (127.0.0.1:6380; port 0: any free one); repeatable
  -- argv...        passed to init in BootInfo.argv

exit status: init's code (0..255); 1 when init faults or its code is out of range;
124 on --timeout; 130 on Ctrl-C; 2 for bad usage`;

/** How `run` ended when init did not. */
type Stop = { kind: 'timeout' } | { kind: 'interrupt' };

export async function runCommand(argsGiven: string[]): Promise<number> {
  const { rest: args, address } = takeAddressOption(argsGiven, '--inspect');
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      memory: { type: 'string' },
      threads: { type: 'string' },
      timeout: { type: 'string' },
      snapshot: { type: 'string' },
      trace: { type: 'string' },
      net: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(RUN_USAGE);
    return 0;
  }
  const [init, ...argv] = positionals;
  if (!init) throw new UsageError('run needs the init module to boot');
  const timeout = values.timeout === undefined ? undefined : parseDuration(values.timeout, '--timeout');
  if (values.snapshot !== undefined) checkOutputPath(values.snapshot, '--snapshot');
  if (values.trace !== undefined) checkOutputPath(values.trace, '--trace');
  const options = {
    init,
    argv,
    memory: values.memory === undefined ? undefined : parseSize(values.memory, '--memory'),
    threads: values.threads === undefined ? undefined : parseCount(values.threads, '--threads'),
    snapshotAtExit: values.snapshot !== undefined,
    trace: values.trace,
    inspect: address ?? undefined,
    net: values.net,
  };
  let stopWith: (stop: Stop) => void = () => {};
  const stopped = new Promise<Stop>((resolve) => (stopWith = resolve));
  let interrupts = 0;
  const interrupt = () => {
    // A second Ctrl-C does not wait for the shutdown.
    if (++interrupts > 1) process.exit(130);
    stopWith({ kind: 'interrupt' });
  };
  // Listening from before boot: a Ctrl-C while it boots is heard too.
  process.on('SIGINT', interrupt);
  let system: System;
  try {
    system = await boot(options);
  } catch (error) {
    process.removeListener('SIGINT', interrupt);
    throw error;
  }
  if (address) process.stderr.write(inspectorLines('run', system.inspectUrl, address.host));
  const timer = timeout === undefined ? undefined : setTimeout(() => stopWith({ kind: 'timeout' }), timeout);
  const stopWatch = watchProgress(system);
  try {
    const ended = await Promise.race([system.exited, stopped]);
    stopWatch();
    if ('kind' in ended) {
      if (ended.kind === 'interrupt') {
        process.stderr.write('caduceus run: interrupted\n');
        return 130;
      }
      process.stderr.write(`caduceus run: init did not exit within ${durationText(timeout ?? 0)}; stopping the system\n${await blockedReport(system)}`);
      return 124;
    }
    return reportExit(ended, values.snapshot);
  } finally {
    clearTimeout(timer);
    stopWatch();
    process.removeListener('SIGINT', interrupt);
    await system.shutdown();
  }
}

/** Writes the snapshot, reports a fault, and gives the command's exit code. */
function reportExit(status: ExitStatus, snapshotPath: string | undefined): number {
  if (snapshotPath !== undefined && status.snapshot) {
    try {
      writeFileSync(snapshotPath, `${JSON.stringify(status.snapshot, null, 1)}\n`);
    } catch (error) {
      process.stderr.write(`caduceus run: could not write the snapshot to ${snapshotPath}: ${(error as Error).message}\n`);
    }
  }
  if (status.fault) {
    process.stderr.write(`init failed: ${status.fault.name}: ${status.fault.message}\n`);
    if (status.fault.stack) process.stderr.write(`${status.fault.stack}\n`);
    return 1;
  }
  if (Number.isInteger(status.code) && status.code >= 0 && status.code <= 255) return status.code;
  process.stderr.write(`caduceus run: init exited with code ${status.code}, which is not an exit status (0..255), so run exits with 1\n`);
  return 1;
}

/** How often `run` looks for a system that has stopped making progress. */
export const PROGRESS_CHECK_MS = 2000;

/**
 * Warns on stderr when the system stops making progress (no system call
 * decided since the last look) and some tasks are deadlocked; once for each
 * set of deadlocked tasks. Returns the function that stops it, after which
 * it prints nothing, even from a look under way.
 */
function watchProgress(system: System): () => void {
  let calls = -1;
  let stopped = false;
  let warned = '';
  let asking = false;
  const look = async () => {
    const stats = await system.stats();
    const now = Object.values(stats.calls).reduce((a, b) => a + b, 0);
    const still = now === calls;
    calls = now;
    if (!still) return;
    const found = await system.deadlocks();
    const key = found.map((d) => d.task).join(',');
    if (stopped || found.length === 0 || key === warned) return;
    warned = key;
    process.stderr.write(`caduceus run: warning: no progress, and ${found.length === 1 ? 'a task is' : `${found.length} tasks are`} deadlocked:\n${renderDeadlocks(found)}`);
  };
  const timer = setInterval(() => {
    if (asking) return;
    asking = true;
    // A system shutting down may not answer: that is not this watch's business.
    look().catch(() => {}).finally(() => (asking = false));
  }, PROGRESS_CHECK_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** Every task that has not ended, with what it was doing, one line each. */
async function blockedReport(system: System): Promise<string> {
  let snapshot;
  let deadlocked;
  try {
    // A kernel too wedged to answer must not wedge the report too.
    const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref());
    [snapshot, deadlocked] = await Promise.race([Promise.all([system.snapshot(), system.deadlocks()]), late]);
  } catch (error) {
    return `  (the kernel could not be asked: ${(error as Error).message})\n`;
  }
  const live = snapshot.tasks.filter((t) => t.state !== 'exited' && t.state !== 'inactive');
  if (live.length === 0) return '  no task was running\n';
  const tasks = live.map((t) => `  ${objectName('Task', t.phys)}: ${taskState(t)}\n`).join('');
  return deadlocked.length === 0 ? tasks : `${tasks}deadlocked:\n${renderDeadlocks(deadlocked)}`;
}
