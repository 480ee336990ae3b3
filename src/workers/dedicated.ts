// Dedicated task threads: one Worker per dedicated task at a time. A
// thread whose task has ended with nothing left running on it (no timer,
// no socket: its event loop reached `beforeExit`) says it is idle, and is
// kept, unreferenced, for the next dedicated task, which then starts
// without a thread's start-up and on code its earlier tasks have compiled:
// dedicated tasks that come and go, and the systems a Machine boots one
// after another, reuse the same threads (docs/threads.md, "Spare dedicated
// threads").

import { Worker } from 'node:worker_threads';
import type { DedicatedThreadData, DedicatedThreadMessage, Fault, TaskJob } from '../ipc/protocol.ts';
import { flushThreads } from './stdio.ts';
import { BOOTSTRAP, threadEntry, threadExecArgv } from './threads.ts';

/** Spare dedicated threads kept at most; more are ended. */
const MAX_SPARE_THREADS = 8;
/** How long a killed task's thread gets to flush what it wrote before it is terminated. */
const FLUSH_KILL_MS = 100;

/** The error a thread died of, as its task is told it. */
export function faultOf(error: unknown, fallback: string): Fault {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: fallback };
}

interface Run {
  tid: number;
  ended: (fault?: Fault) => void;
  killed: boolean;
  /** Once killed: called when the thread has gone idle. */
  quiet?: () => void;
}

/** A dedicated thread, and the task it runs now (none while it is spare). */
interface DedicatedThread {
  worker: Worker;
  id: number;
  run?: Run;
  /** The error it died of. */
  failure?: Fault;
}

export interface DedicatedOptions {
  bell: SharedArrayBuffer;
  flushChannel: string;
  /** How long a killed task's thread has to go quiet before it is stopped. */
  quietMs: number;
  /** A thread has exited (its id): what its task is told, when the kernel knows more than that it died. */
  threadGone: (threadId: number) => Fault | undefined;
}

export class DedicatedThreads {
  /** Threads running a task, by its tid. */
  private readonly busy = new Map<number, DedicatedThread>();
  /** Threads whose task has ended, kept for the next dedicated tasks. */
  private readonly spare: DedicatedThread[] = [];
  /** Dedicated tasks started on a spare thread so far. */
  private reused = 0;
  private closed = false;

  constructor(private readonly options: DedicatedOptions) {}

  /** Runs a job on a spare thread, or on a new one; `ended` once its thread work is over. */
  start(job: TaskJob, ended: (fault?: Fault) => void): void {
    const run: Run = { tid: job.tid, ended, killed: false };
    const spare = this.spare.pop();
    if (spare) {
      spare.run = run;
      this.busy.set(job.tid, spare);
      spare.worker.ref();
      spare.worker.postMessage({ job } satisfies DedicatedThreadMessage);
      this.reused++;
      return;
    }
    const workerData: DedicatedThreadData = { entry: threadEntry('dedicated-thread'), bell: this.options.bell, flushChannel: this.options.flushChannel, job };
    const worker = new Worker(BOOTSTRAP, { workerData, execArgv: threadExecArgv() });
    const thread: DedicatedThread = { worker, id: worker.threadId, run };
    worker.on('error', (error) => (thread.failure = faultOf(error, 'the dedicated thread failed')));
    worker.on('message', (message: DedicatedThreadMessage) => {
      if ('idle' in message) this.idle(thread, message.idle);
    });
    worker.once('exit', (code) => {
      const at = this.spare.indexOf(thread);
      if (at >= 0) this.spare.splice(at, 1);
      const gone = thread.run;
      thread.run = undefined;
      if (!gone) return;
      this.busy.delete(gone.tid);
      const reason = this.options.threadGone(thread.id);
      gone.ended(reason ?? thread.failure ?? (code === 0 ? undefined : { name: 'Error', message: `the dedicated thread exited with code ${code}` }));
    });
    this.busy.set(job.tid, thread);
  }

  /**
   * Task `tid`'s run is over and nothing keeps its thread busy: the task
   * has ended, and the thread is kept for the next dedicated task, or, when
   * enough are kept, ended.
   */
  private idle(thread: DedicatedThread, tid: number): void {
    const run = thread.run;
    if (!run || run.tid !== tid) return;
    thread.run = undefined;
    this.busy.delete(tid);
    run.quiet?.();
    if (this.closed || this.spare.length >= MAX_SPARE_THREADS) void thread.worker.terminate();
    else {
      thread.worker.unref();
      this.spare.push(thread);
    }
    run.ended();
  }

  /**
   * Task `tid` was killed; false if it is not a dedicated task running
   * here. Its run ends at once (each of its calls is refused); when nothing
   * of it is left running within `quietMs`, the thread goes spare as after
   * any end. Otherwise it is stopped once it has flushed what the task wrote.
   */
  killed(tid: number): boolean {
    const thread = this.busy.get(tid);
    const run = thread?.run;
    if (!thread || !run) return false;
    if (run.killed) return true;
    run.killed = true;
    let timer: NodeJS.Timeout | undefined;
    const quiet = new Promise<boolean>((resolve) => {
      run.quiet = () => resolve(true);
      timer = setTimeout(() => resolve(false), this.options.quietMs);
    });
    void quiet.then(async (idle) => {
      clearTimeout(timer);
      if (idle) return;
      await flushThreads(this.options.flushChannel, [thread.worker], FLUSH_KILL_MS);
      if (thread.run === run) await thread.worker.terminate();
    });
    return true;
  }

  /** Threads running a task now, spare ones, and tasks started on a spare thread so far. */
  count(): { dedicated: number; spare: number; reused: number } {
    return { dedicated: this.busy.size, spare: this.spare.length, reused: this.reused };
  }

  /** The threads running a task (to flush before they are terminated). */
  running(): Worker[] {
    return [...this.busy.values()].map((t) => t.worker);
  }

  /** Terminates every thread, busy and spare. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.running(), ...this.spare.splice(0).map((t) => t.worker)];
    this.busy.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }
}
