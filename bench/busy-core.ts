// One core kept busy by another process, for P10: a child Node process that
// spins in an empty loop. It is stopped when the benchmark is done, also on
// failure, on SIGINT and SIGTERM, and when this process exits; should this
// process be killed outright, the child sees its parent change and ends.
// How much CPU the child really got is read back from /proc (Linux), so the
// report can say whether the load was there.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The spinning loop. Every 2^24 turns (some 10-20 ms) it checks that its
 * parent is still the bench: an orphan reparented elsewhere exits.
 */
const SPINNER = 'const p = process.ppid; for (let i = 1; ; i++) if ((i & 0xffffff) === 0 && process.ppid !== p) process.exit(0);';

/** Jiffies per second of /proc (USER_HZ). */
const USER_HZ = 100;

export interface BusyCore {
  pid: number;
  /**
   * Stops the child (idempotent); the cores it used on average since it
   * started, if known. Rejects if the child had ended by itself: the load
   * was not there all along.
   */
  stop(): Promise<number | undefined>;
}

/** CPU seconds the process has used (user + system), from /proc/<pid>/stat; undefined off Linux. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ; // utime, stime
  } catch {
    return undefined;
  }
}

/** Starts the spinning child; resolves once it runs. */
export async function startBusyCore(): Promise<BusyCore> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SPINNER], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('busy core: the child has no pid');
  const started = performance.now();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    kill();
    detach();
    process.stderr.write(`\ninterrupted (${signal}): the busy child was stopped\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const detach = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', kill);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', kill);
  let result: Promise<number | undefined> | undefined;
  return {
    pid,
    stop() {
      result ??= (async () => {
        const cpu = cpuSeconds(pid);
        const wallS = (performance.now() - started) / 1000;
        const early = child.exitCode !== null || child.signalCode !== null;
        kill();
        detach();
        await exited;
        if (early) throw new Error(`busy core: the spinning child ended by itself (${child.exitCode ?? child.signalCode}) before the benchmark did`);
        return cpu === undefined ? undefined : cpu / wallS;
      })();
      return result;
    },
  };
}
