// boot(): starts a system on its own threads and hands back its handle. The
// host talks to the kernel thread over comlink (the control plane) and hears
// Console lines and init's exit on a MessagePort (kernel-thread.ts); neither
// is on the system call path. Shutdown stops every thread and closes every
// port, so a host script exits by itself afterwards. bootSystem() is the
// part a Machine shares: a system on a kernel thread that outlives it.

import { writeFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize } from 'node:v8';
import type { Fault, ThreadCount } from '../ipc/protocol.ts';
import type { KernelStats, Snapshot } from '../kernel/snapshot.ts';
import type { DeadlockedTask } from '../kernel/deadlock.ts';
import type { ScheduleRecord } from '../kernel/thread/controlled.ts';
import type { LiveSample } from '../kernel/thread/sampler.ts';
import { LiveInspector } from '../inspect/inspector.ts';
import type { SampleSource } from '../inspect/watch.ts';
import { entryBeside } from '../workers/threads.ts';
import { type HostLimits, KernelThread, LIMITS, SHUT_DOWN } from './kernel-thread.ts';
import { type BootConfig, BootError, type BootOptions, checkOptions } from './options.ts';

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
  /**
   * JavaScript heap in use, in bytes: the kernel thread's; `collected`
   * when a full garbage collection ran first (`stats({ gc: true })`).
   */
  heap: { kernel: number; collected: boolean };
  /** The Net device: its live objects, connections waiting to be accepted, and the host's open servers and sockets. */
  net: { listeners: number; connections: number; pending: number; servers: number; sockets: number };
  loop: { passes: number; parks: number; frames: number; killed: number; woken: number; tasks: number };
  /** Task threads now, and what became of them (ThreadCount). */
  threads: ThreadCount;
}

export interface System {
  /** Resolves when init ends. */
  readonly exited: Promise<ExitStatus>;
  /**
   * `gc: true` runs a full garbage collection on the kernel thread first,
   * when V8's gc is exposed to the process (`node --expose-gc`, or
   * `v8.setFlagsFromString('--expose-gc')` before boot), so that
   * `heap.kernel` counts live objects only.
   */
  stats(options?: { gc?: boolean }): Promise<SystemStats>;
  check(): Promise<{ ok: boolean; violations: string[] }>;
  snapshot(): Promise<Snapshot>;
  /**
   * The blocked tasks that no task able to act can ever wake, found by
   * capability reachability (docs/explore.md); empty when there are none.
   */
  deadlocks(): Promise<DeadlockedTask[]>;
  /** The live inspector's page (boot's `inspect` option, docs/inspector.md); undefined without one. */
  readonly inspectUrl: string | undefined;
  /** Stops every thread and closes the inspector; idempotent. */
  shutdown(): Promise<void>;
}

/** stats()'s `gc` option, or the error its options make. */
function statsGc(options: unknown): boolean | TypeError {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null) return new TypeError(`stats() takes an options object, got ${options === null ? 'null' : typeof options}`);
  const { gc } = options as { gc?: unknown };
  if (gc !== undefined && typeof gc !== 'boolean') return new TypeError(`stats(): 'gc' must be true or false, got ${typeof gc}`);
  return gc === true;
}

/** The kernel thread's entry module. */
export const KERNEL_THREAD = entryBeside(import.meta.url, 'kernel-entry');

/** A module as a person names it: its path from the working directory when it lies below it. */
function moduleName(url: string): string {
  if (!url.startsWith('file:')) return url;
  const path = fileURLToPath(url);
  const below = relative(process.cwd(), path);
  return below && !below.startsWith('..') && !isAbsolute(below) ? below : path;
}

function writeLine(line: string): void {
  process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
}

export function boot(options: BootOptions): Promise<System> {
  return bootOn(KERNEL_THREAD, options);
}

/**
 * boot() with the kernel thread's entry module named (tests start a kernel
 * thread that fails or wedges, to see that every host call still answers),
 * and how long the host waits for it. The thread is the system's alone:
 * shutdown stops it.
 */
export async function bootOn(kernelEntry: string, options: BootOptions, limits: HostLimits = LIMITS): Promise<System> {
  const config = checkOptions(options);
  const thread = new KernelThread(kernelEntry, limits);
  return bootSystem(thread, options, config, () => thread.close());
}

/**
 * Boots a system on a kernel thread that has none running. `release` ends
 * it at shutdown, once its trace is written: it stops the thread, or halts
 * the system and keeps the threads for the next (a Machine).
 */
export async function bootSystem(thread: KernelThread, options: BootOptions, config: BootConfig, release: () => Promise<void>): Promise<System> {
  const sink = options.console ?? writeLine;
  let inspector: LiveInspector | undefined;
  let settle: (status: ExitStatus) => void = () => {};
  let settled = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    settle = (status) => {
      if (settled) return;
      settled = true;
      resolve(status);
    };
  });
  let over: Error | undefined;
  const number = thread.listen({
    event(event) {
      if (event.kind === 'print') sink(event.text, event.task);
      else if (event.kind === 'unheard') {
        process.stderr.write(`caduceus: task 0x${event.task.toString(16)} faulted with no fault Endpoint: ${event.fault.name}: ${event.fault.message}\n`);
      } else {
        const status: ExitStatus = { code: event.code };
        if (event.value !== undefined) status.value = deserialize(event.value);
        if (event.fault !== undefined) status.fault = event.fault;
        // With an inspector the loop always takes the state as init exits; status.snapshot is for snapshotAtExit.
        if (event.snapshot !== undefined && config.snapshotAtExit) status.snapshot = event.snapshot as Snapshot;
        if (event.schedule !== undefined) status.schedule = event.schedule as ScheduleRecord;
        if (event.deadlocked !== undefined) status.deadlocked = event.deadlocked as DeadlockedTask[];
        inspector?.finish({ code: event.code, fault: event.fault, snapshot: event.snapshot as Snapshot | undefined, deadlocked: status.deadlocked });
        settle(status);
      }
    },
    lost(fault) {
      inspector?.finish({ code: null, fault });
      settle({ code: 1, fault });
    },
  });
  // Calls of a system that has been shut down reject, though its threads may live on.
  const ask = <T>(what: string, call: () => Promise<T>): Promise<T> => (over ? Promise.reject(over) : thread.ask(what, call));

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      await inspector?.close();
      if (options.trace !== undefined) {
        try {
          const trace = await ask('for the trace', () => thread.control.trace());
          if (trace !== null) await writeFile(options.trace, trace);
        } catch (error) {
          process.stderr.write(`caduceus: could not write the trace to ${options.trace}: ${(error as Error).message}\n`);
        }
      }
      over = new Error('the system has been shut down');
      await release();
      settle({ code: 1, fault: SHUT_DOWN });
    })();
    return stopping;
  };

  try {
    // Bound first: an address it cannot listen on fails boot before anything runs.
    if (config.inspect) inspector = await LiveInspector.open(config.inspect.host, config.inspect.port, moduleName(config.initUrl));
    await thread.ask('boot', () => thread.control.boot(config, number));
  } catch (error) {
    await shutdown();
    throw new BootError(error instanceof Error ? error.message : String(error));
  }
  if (inspector) {
    const source: SampleSource = {
      sample: async (parts, from) => {
        const { bytes, cost } = await ask('a sample', () => thread.control.sample(parts, from));
        return { sample: deserialize(bytes) as LiveSample, cost };
      },
    };
    if (config.schedule) source.steer = (how, from) => ask('a step', () => thread.control.steer(how, from));
    inspector.attach(source);
  }
  return {
    exited,
    stats: (options?: { gc?: boolean }) => {
      const gc = statsGc(options);
      if (gc instanceof Error) return Promise.reject(gc);
      return ask('stats()', () => thread.control.stats(gc) as Promise<SystemStats>);
    },
    check: () => ask('check()', () => thread.control.check()),
    snapshot: () => ask('snapshot()', () => thread.control.snapshot()),
    deadlocks: () => ask('deadlocks()', () => thread.control.deadlocks()),
    inspectUrl: inspector?.url,
    shutdown,
  };
}
