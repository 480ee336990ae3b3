// Runs one task's program on the current thread: loads the module, calls its
// task function with `sys` and the argument, and tells the kernel how it
// ended (returned, exit(code), or threw: a fault). A killed task's run ends
// at once; its function may linger, but each of its calls is refused.

import { AsyncLocalStorage } from 'node:async_hooks';
import { deserialize, serialize } from 'node:v8';
import { MAX_WIRE_BYTES } from '../ipc/codec.ts';
import { Op } from '../abi.ts';
import type { Fault, TaskJob } from '../ipc/protocol.ts';
import type { ThreadRuntime } from './runtime.ts';
import { flushStdio } from './stdio.ts';
import { Sys } from './sys.ts';
import { RUNNING_FROM_SOURCE } from './threads.ts';
import { type TaskFunction, taskFunction } from './program.ts';

type Outcome =
  | { kind: 'return'; value: unknown }
  | { kind: 'throw'; error: unknown }
  | { kind: 'exit'; code: unknown }
  | { kind: 'killed' };

interface Owner {
  tid: number;
  fail: (error: unknown) => void;
}

/**
 * The task whose code is running, for errors thrown outside any await, on a
 * pooled thread. (On Node 20 an AsyncLocalStorage in use costs every promise
 * a hook: about a third of a pooled thread's time per call. Node 24's costs
 * nothing measurable.)
 */
export const currentTask = new AsyncLocalStorage<Owner>();
/** A dedicated thread's one task: whatever escapes on the thread is its own, and no AsyncLocalStorage is needed. */
let soleTask: Owner | undefined;

/** The task an error that escaped every await came from, if known. */
function ownerOfEscape(): Owner | undefined {
  return currentTask.getStore() ?? soleTask;
}

const programs = new Map<string, Promise<TaskFunction>>();
/** The programs loaded so far, for a start that needs no wait. */
const loaded = new Map<string, TaskFunction>();

/** Loads a program module once per thread. */
export function loadProgram(url: string): Promise<TaskFunction> {
  let loading = programs.get(url);
  if (!loading) {
    loading = importProgram(url);
    programs.set(url, loading);
    loading.then(
      (fn) => loaded.set(url, fn),
      () => programs.delete(url),
    );
  }
  return loading;
}

// Run from source, this thread's bootstrap registered tsx before it loaded
// this module. Compiled, tsx is registered the first time a `.ts` program
// comes: a `.js` or `.mjs` program is plain Node and needs no loader.
let typeScript: Promise<void> | undefined = RUNNING_FROM_SOURCE ? Promise.resolve() : undefined;

function loadTypeScript(): Promise<void> {
  typeScript ??= import('tsx/esm/api').then(
    ({ register }) => void register(),
    (error: unknown) => {
      typeScript = undefined;
      throw new Error(`a .ts task program needs tsx, which could not be loaded: ${describeFault(error).message}`);
    },
  );
  return typeScript;
}

async function importProgram(url: string): Promise<TaskFunction> {
  // Registered for the whole thread (not tsImport, whose namespace would give
  // the program its own copy of caduceus/task), the program and this runtime
  // share one KernelError, one TaskKilled, and so on.
  let module: { default?: unknown };
  try {
    if (/\.[cm]?tsx?$/.test(new URL(url).pathname)) await loadTypeScript();
    module = (await import(url)) as { default?: unknown };
  } catch (error) {
    // Node names the runtime as the importer; the task's starter wants the program and why.
    const why = error instanceof Error ? error.message.replace(/ imported from \S+$/, '') : String(error);
    throw new Error(`cannot load the program ${url}: ${why}`, { cause: error });
  }
  const fn = taskFunction(module.default);
  if (!fn) throw new TypeError(`${url} has no default export made with task()`);
  return fn;
}

/** Characters of a fault's name, message and stack that go to the kernel (so its exit call fits one frame). */
const FAULT_CHARS = { name: 200, message: 2000, stack: 3000 } as const;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`;
}

export function describeFault(error: unknown): Fault {
  if (error instanceof Error) {
    const fault: Fault = { name: cut(String(error.name), FAULT_CHARS.name), message: cut(String(error.message), FAULT_CHARS.message) };
    if (typeof error.stack === 'string') fault.stack = cut(error.stack, FAULT_CHARS.stack);
    return fault;
  }
  let text: string;
  try {
    text = String(error);
  } catch {
    text = typeof error;
  }
  return { name: 'Error', message: cut(`a non-Error value was thrown: ${text}`, FAULT_CHARS.message) };
}

function exitRequest(outcome: Outcome, init: boolean): Record<string, unknown> {
  switch (outcome.kind) {
    case 'return': {
      const code = typeof outcome.value === 'number' && Number.isFinite(outcome.value) ? outcome.value : 0;
      let value: Uint8Array | undefined;
      if (init && outcome.value !== undefined) {
        try {
          value = serialize(outcome.value);
        } catch {
          value = undefined; // not structured-cloneable: the host gets no value
        }
        if (value !== undefined && value.length > MAX_WIRE_BYTES) {
          const message = `init's return value is ${value.length} bytes structured-cloned; at most ${MAX_WIRE_BYTES} can reach the host`;
          return { op: Op.Exit, code: 1, fault: { name: 'RangeError', message } };
        }
      }
      return { op: Op.Exit, code, value };
    }
    case 'exit':
      return { op: Op.Exit, code: typeof outcome.code === 'number' && Number.isFinite(outcome.code) ? outcome.code : 0 };
    case 'throw':
      return { op: Op.Exit, code: 1, fault: describeFault(outcome.error) };
    case 'killed':
      return { op: Op.Exit };
  }
}

/**
 * Runs a job to its end, then calls `ended` with its tid, once the kernel
 * knows how the task ended. `alone`: the task has the thread to itself (a
 * dedicated thread).
 */
export function runJob(runtime: ThreadRuntime, job: TaskJob, ended: (tid: number) => void, alone = false): void {
  new TaskRun(runtime, job, ended).run(job, alone);
}

/** The program URL of the last job, so that the tasks of one program share one string, not a copy each. */
let lastProgram = '';

function sharedProgram(url: string): string {
  if (url !== lastProgram) lastProgram = url;
  return lastProgram;
}

/**
 * One task's run on this thread. A pooled thread may hold 100,000 tasks
 * blocked in calls, so what each keeps while it waits is this one object,
 * not a chain of async frames, closures and promises (docs/threads.md,
 * "Memory of a live task").
 */
class TaskRun implements Owner {
  readonly tid: number;
  readonly program: string;
  private readonly init: boolean;
  /** The argument's bytes, until the task has them. */
  private arg: Uint8Array | undefined;
  private outcome: Outcome | null = null;

  constructor(
    private readonly runtime: ThreadRuntime,
    job: TaskJob,
    private readonly ended: (tid: number) => void,
  ) {
    this.tid = job.tid;
    this.program = sharedProgram(job.program);
    this.init = job.init;
    this.arg = job.arg;
  }

  /** The job itself is not kept: a live task holds only what it needs. */
  run(job: TaskJob, alone: boolean): void {
    const sys = new Sys(this.runtime, this.tid, this.program, job.memory, job.seed);
    sys.onExit = this;
    this.runtime.whenKilled(this.tid, this);
    if (alone) {
      soleTask = this;
      begin(this, sys);
    } else currentTask.run(this, begin, this, sys);
  }

  /** Calls the task's function; its settling is the task's return or throw. */
  call(fn: TaskFunction, sys: Sys): void {
    let result: unknown;
    try {
      const arg = this.arg ? deserialize(this.arg) : undefined;
      // Its bytes are not needed again, however long the task lives.
      this.arg = undefined;
      result = fn(sys, arg);
    } catch (error) {
      this.fail(error);
      return;
    }
    Promise.resolve(result).then(
      (value) => this.finish({ kind: 'return', value }),
      (error: unknown) => this.fail(error),
    );
  }

  fail(error: unknown): void {
    this.finish({ kind: 'throw', error });
  }

  /** sys.exit(code). */
  exit(code: unknown): void {
    this.finish({ kind: 'exit', code });
  }

  /** The kernel answered a call Killed: the run ends at once. */
  killed(): void {
    this.finish({ kind: 'killed' });
  }

  /** The first way the task ended is how it ended. */
  private finish(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    // After the microtasks already queued, as the task's own reactions to what ended it.
    queueMicrotask(() => void this.end(outcome));
  }

  private async end(outcome: Outcome): Promise<void> {
    try {
      if (outcome.kind !== 'killed' && !this.runtime.isKilled(this.tid)) {
        // What the task wrote must reach the host before its end can end the system.
        await flushStdio();
        await this.runtime.call(this.tid, exitRequest(outcome, this.init));
      }
    } catch {
      // killed while exiting: nothing more to tell
    } finally {
      this.runtime.forget(this.tid);
      this.ended(this.tid);
    }
  }
}

/** Starts a run's function, at once when its program is loaded (no closure or promise kept for that). */
function begin(run: TaskRun, sys: Sys): void {
  const fn = loaded.get(run.program);
  if (fn) return run.call(fn, sys);
  loadProgram(run.program).then(
    (program) => run.call(program, sys),
    (error: unknown) => run.fail(error),
  );
}

/**
 * Errors that escape every await of a task (a throw in a timer callback, an
 * unhandled rejection) fault the task they came from when it can be told, and
 * never take down the thread or its other tasks.
 */
export function guardThread(): void {
  const handle = (error: unknown) => {
    const owner = ownerOfEscape();
    if (owner) owner.fail(error);
    else process.stderr.write(`caduceus: an error escaped a task on this thread: ${describeFault(error).message}\n`);
  };
  process.on('uncaughtException', handle);
  process.on('unhandledRejection', handle);
}
