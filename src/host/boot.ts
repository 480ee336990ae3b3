// boot(): starts a system on its own threads and hands back its handle. The
// host talks to the kernel thread over comlink (the control plane) and hears
// Console lines and init's exit on a MessagePort; neither is on the system
// call path. Shutdown stops every thread and closes every port, so a host
// script exits by itself afterwards.

import { writeFile } from 'node:fs/promises';
import { MessageChannel, Worker } from 'node:worker_threads';
import { deserialize } from 'node:v8';
import * as Comlink from 'comlink';
import { nodeEndpoint } from '../ipc/control-port.ts';
import type { Fault, HostEvent } from '../ipc/protocol.ts';
import type { KernelStats, Snapshot } from '../kernel/snapshot.ts';
import type { DeadlockedTask } from '../kernel/deadlock.ts';
import type { ScheduleRecord } from '../kernel/thread/controlled.ts';
import { BOOTSTRAP, entryBeside, threadExecArgv } from '../workers/threads.ts';
import type { KernelControl } from './kernel-entry.ts';
import { BootError, type BootOptions, checkOptions } from './options.ts';

export interface ExitStatus {
  /** The number init returned or passed to exit (0 when it returned a non-number; 1 when it threw). */
  code: number;
  /** What init returned, structured-cloned. */
  value?: unknown;
  /** Set when init threw (or its thread died, or it was killed). */
  fault?: Fault;
  /** The kernel's state just before init exited (with boot's snapshotAtExit). */
  snapshot?: Snapshot;
  /** A controlled run's schedule: its seed, strategy and every decision (boot's `schedule`). */
  schedule?: ScheduleRecord;
  /** The tasks a controlled run found deadlocked, when that is how it failed. */
  deadlocked?: DeadlockedTask[];
}

export interface SystemStats extends KernelStats {
  loop: { passes: number; parks: number; frames: number; killed: number; tasks: number };
  /** Task threads now: pooled and dedicated, and how many pooled ones were replaced as stuck. */
  threads: { pooled: number; dedicated: number; replaced: number };
}

export interface System {
  /** Resolves when init ends. */
  readonly exited: Promise<ExitStatus>;
  stats(): Promise<SystemStats>;
  check(): Promise<{ ok: boolean; violations: string[] }>;
  snapshot(): Promise<Snapshot>;
  /**
   * The blocked tasks that no task able to act can ever wake, found by
   * capability reachability (docs/explore.md); empty when there are none.
   */
  deadlocks(): Promise<DeadlockedTask[]>;
  /** Stops every thread; idempotent. */
  shutdown(): Promise<void>;
}

const KERNEL_THREAD = entryBeside(import.meta.url, 'kernel-entry');
/** How init ends when the system is shut down first. */
const SHUT_DOWN: Fault = { name: 'Shutdown', message: 'the system was shut down before init exited' };

function writeLine(line: string): void {
  process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
}

export function boot(options: BootOptions): Promise<System> {
  return bootOn(KERNEL_THREAD, options);
}

/** How long the host waits for the kernel thread. */
export interface HostLimits {
  /** For an answer to boot, stats, check, snapshot or the trace: past it the kernel thread is taken to be wedged. */
  answerMs: number;
  /** For the kernel thread to stop cleanly at shutdown, before it is terminated. */
  stopMs: number;
}

const LIMITS: HostLimits = { answerMs: 60_000, stopMs: 5_000 };

/**
 * boot() with the kernel thread's entry module named (tests start a kernel
 * thread that fails or wedges, to see that every host call still answers),
 * and how long the host waits for it.
 */
export async function bootOn(kernelEntry: string, options: BootOptions, limits: HostLimits = LIMITS): Promise<System> {
  const config = checkOptions(options);
  const sink = options.console ?? writeLine;
  const { port1: events, port2 } = new MessageChannel();
  const worker = new Worker(BOOTSTRAP, {
    workerData: { entry: kernelEntry, events: port2 },
    transferList: [port2],
    execArgv: threadExecArgv(),
  });
  const control = Comlink.wrap<KernelControl>(nodeEndpoint(worker));

  let settle: (status: ExitStatus) => void = () => {};
  let settled = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    settle = (status) => {
      if (settled) return;
      settled = true;
      resolve(status);
    };
  });
  events.on('message', (event: HostEvent) => {
    if (event.kind === 'print') sink(event.text, event.task);
    else if (event.kind === 'unheard') {
      process.stderr.write(`caduceus: task 0x${event.task.toString(16)} faulted with no fault Endpoint: ${event.fault.name}: ${event.fault.message}\n`);
    } else {
      const status: ExitStatus = { code: event.code };
      if (event.value !== undefined) status.value = deserialize(event.value);
      if (event.fault !== undefined) status.fault = event.fault;
      if (event.snapshot !== undefined) status.snapshot = event.snapshot as Snapshot;
      if (event.schedule !== undefined) status.schedule = event.schedule as ScheduleRecord;
      if (event.deadlocked !== undefined) status.deadlocked = event.deadlocked as DeadlockedTask[];
      settle(status);
    }
  });
  // Once the kernel thread is gone, no call to it can be answered: every
  // host call then rejects at once with the reason instead of waiting.
  let kernelFault: Fault | undefined;
  let gone: Error | undefined;
  let markGone: (error: Error) => void = () => {};
  const whenGone = new Promise<never>((_, reject) => (markGone = reject));
  whenGone.catch(() => {});
  const lose = (error: Error) => {
    gone ??= error;
    markGone(gone);
  };
  // A thread can throw anything, so the error is `unknown` (as @types/node now says).
  worker.on('error', (error: unknown) => {
    kernelFault =
      error instanceof Error
        ? { name: error.name, message: `the kernel thread failed: ${error.message}`, stack: error.stack }
        : { name: 'Error', message: `the kernel thread failed: it threw a non-Error value: ${String(error)}` };
    settle({ code: 1, fault: kernelFault });
    lose(new Error(kernelFault.message));
  });
  let shuttingDown = false;
  worker.once('exit', () => {
    const fault = kernelFault ?? (shuttingDown ? SHUT_DOWN : { name: 'Error', message: 'the kernel thread stopped' });
    settle({ code: 1, fault });
    lose(new Error(fault.message));
  });
  // A kernel thread that is alive but never answers (a kernel bug that
  // loops) must not hang the host either: past the limit a call rejects.
  const ask = <T>(what: string, call: () => Promise<T>): Promise<T> => {
    if (gone) return Promise.reject(gone);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the kernel thread did not answer ${what} within ${limits.answerMs / 1000} s: it is wedged (a kernel bug)`)),
        limits.answerMs,
      );
      timer.unref();
    });
    return Promise.race([call(), whenGone, late]).finally(() => clearTimeout(timer));
  };

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      shuttingDown = true;
      if (options.trace !== undefined) {
        try {
          const trace = await ask('for the trace', () => control.trace());
          if (trace !== null) await writeFile(options.trace, trace);
        } catch (error) {
          process.stderr.write(`caduceus: could not write the trace to ${options.trace}: ${(error as Error).message}\n`);
        }
      }
      try {
        await Promise.race([ask('shutdown', () => control.shutdown()), new Promise((resolve) => setTimeout(resolve, limits.stopMs).unref())]);
      } catch {
        // the kernel thread is already gone
      }
      lose(new Error('the system has been shut down'));
      control[Comlink.releaseProxy]();
      await worker.terminate();
      events.close();
      settle({ code: 1, fault: SHUT_DOWN });
    })();
    return stopping;
  };

  try {
    await ask('boot', () => control.boot(config));
  } catch (error) {
    await shutdown();
    throw new BootError(error instanceof Error ? error.message : String(error));
  }
  return {
    exited,
    stats: () => ask('stats()', () => control.stats() as Promise<SystemStats>),
    check: () => ask('check()', () => control.check()),
    snapshot: () => ask('snapshot()', () => control.snapshot()),
    deadlocks: () => ask('deadlocks()', () => control.deadlocks()),
    shutdown,
  };
}
