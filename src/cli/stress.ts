// `caduceus stress [--tasks N] [--seconds S] [--seed X] [--faults kill,throw,destroy-endpoint]`:
// the built-in capability-handoff workload (src/stress), with a progress bar,
// invariant checks while it runs and after, and a final report. Exit 1 on any
// violation, lost or doubled message, or page not returned.

import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { PAGE_SIZE } from '../abi.ts';
import { boot } from '../host/boot.ts';
import { parseCount, UsageError } from './args.ts';

export const STRESS_USAGE = `usage: caduceus stress [--tasks N] [--seconds S] [--seed X] [--faults LIST]

  --tasks N      workers, half servers and half clients (default 16)
  --seconds S    how long the workload runs (default 5)
  --seed X       the workload's decisions (default: random, printed)
  --faults LIST  faults to inject: kill, throw, destroy-endpoint (comma separated)`;

const FAULTS = ['kill', 'throw', 'destroy-endpoint'];

interface StressResult {
  servers: number;
  clients: number;
  ops: number;
  delivered: number;
  lost: number;
  doubled: number;
  gaps: number;
  repeats: number;
  injected: Record<string, number>;
  endings: Record<string, number>;
  /** Workers that faulted without being asked to: a failure of the run. */
  unexpected: string[];
  freeAtBoot: number;
  freeAtEnd: number;
}

const list = (r: Record<string, number>) => Object.entries(r).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';

export async function stressCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      tasks: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '5' },
      seed: { type: 'string' },
      faults: { type: 'string', default: '' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(STRESS_USAGE);
    return 0;
  }
  const tasks = parseCount(values.tasks, '--tasks', 2);
  const seconds = parseCount(values.seconds, '--seconds', 1);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : parseCount(values.seed, '--seed', 0);
  const faults = values.faults.split(',').filter((f) => f.length > 0);
  const unknown = faults.filter((f) => !FAULTS.includes(f));
  if (unknown.length > 0) throw new UsageError(`--faults takes ${FAULTS.join(', ')}, got '${unknown.join(',')}'`);
  const repeat = `caduceus stress --tasks ${tasks} --seconds ${seconds} --seed ${seed}${faults.length > 0 ? ` --faults ${faults.join(',')}` : ''}`;
  const pages = Math.max(16_384, tasks * 56 + 4096);
  const ext = new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js';
  const init = new URL(`../stress/init${ext}`, import.meta.url.split('?')[0]);
  const system = await boot({ init, argv: [String(tasks), String(seconds), String(seed), faults.join(',')], memory: pages * PAGE_SIZE, console: () => {} });
  const bar = new SingleBar({
    format: 'stress |{bar}| {value}/{total} s | {calls} calls | {errors} errors | {checks} checks, {violations} violations',
    stream: process.stderr,
    hideCursor: true,
    // Not a terminal (a CI log): a plain line every second instead of a redrawn bar.
    noTTYOutput: true,
    notTTYSchedule: 1000,
  });
  bar.start(seconds, 0, { calls: 0, errors: 0, checks: 0, violations: 0 });
  const t0 = performance.now();
  let checks = 0;
  const violations: string[] = [];
  let done = false;
  const watch = (async () => {
    let lastCheck = 0;
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (done) break;
      const stats = await system.stats().catch(() => null);
      if (performance.now() - lastCheck > 1000) {
        lastCheck = performance.now();
        const result = await system.check().catch(() => null);
        if (result) {
          checks++;
          violations.push(...result.violations);
        }
      }
      const calls = stats ? Object.values(stats.calls).reduce((a, b) => a + b, 0) : 0;
      const errors = stats ? Object.values(stats.errors).reduce((a, b) => a + b, 0) : 0;
      bar.update(Math.min(seconds, Math.floor((performance.now() - t0) / 1000)), { calls, errors, checks, violations: violations.length });
    }
  })();
  const status = await system.exited;
  done = true;
  await watch;
  const final = await system.check();
  checks++;
  violations.push(...final.violations);
  const stats = await system.stats();
  bar.update(seconds, { checks, violations: violations.length });
  bar.stop();
  await system.shutdown();
  if (status.fault || !status.value) {
    process.stderr.write(`stress: the workload failed: ${status.fault?.message ?? 'no report'}\nrepeat with: ${repeat}\n`);
    return 1;
  }
  const r = status.value as StressResult;
  const calls = Object.values(stats.calls).reduce((a, b) => a + b, 0);
  const pagesBack = r.freeAtEnd === r.freeAtBoot;
  const lines = [
    `stress report (seed ${seed})`,
    `  tasks: ${r.servers} servers, ${r.clients} clients`,
    `  operations: ${calls} system calls; ${r.ops} calls and receives by the workers`,
    `  errors by code: ${list(stats.errors)}`,
    `  faults injected: ${list(r.injected)}`,
    `  task endings on the fault Endpoint: ${list(r.endings)}`,
    `  unexpected faults: ${r.unexpected.length}`,
    ...r.unexpected.slice(0, 10).map((u) => `    ${u}`),
    `  messages: ${r.delivered} delivered, ${r.lost} lost, ${r.doubled} doubled (servers saw ${r.gaps} gaps, ${r.repeats} repeats)`,
    `  pages: ${r.freeAtBoot} free at boot, ${r.freeAtEnd} after teardown${pagesBack ? ' (every page back)' : ' (PAGES MISSING)'}`,
    `  invariant checks: ${checks}, violations: ${violations.length}`,
    ...violations.slice(0, 10).map((v) => `    ${v}`),
  ];
  console.log(lines.join('\n'));
  const failed = violations.length > 0 || r.lost > 0 || r.doubled > 0 || r.gaps > 0 || r.repeats > 0 || !pagesBack || r.unexpected.length > 0;
  if (failed) process.stderr.write(`stress: FAILED; repeat with: ${repeat}\n`);
  return failed ? 1 : 0;
}
