// Starts task programs on threads: a piscina pool for pooled tasks (many per
// thread: each job is one task, and piscina runs any number at once on a
// thread) and a Worker per dedicated task. Piscina runs with atomics
// 'disabled': its default 'sync' mode freezes an idle worker's event loop,
// which would stall every task parked on that thread.

import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { DedicatedThreadData, Fault, Launcher, PoolThreadData, TaskJob } from '../ipc/protocol.ts';
import { flushThreads } from './stdio.ts';
import { BOOTSTRAP, threadEntry } from './threads.ts';

/**
 * How long threads about to be terminated get to flush their stdout and
 * stderr: at shutdown, and when a dedicated task is killed (its thread's
 * calls are refused meanwhile; only a thread whose event loop is blocked
 * takes this long).
 */
const FLUSH_MS = { close: 500, kill: 100 } as const;

export interface LauncherOptions {
  threads: number;
  channels: SharedArrayBuffer[];
  bell: SharedArrayBuffer;
  memory: SharedArrayBuffer;
  /** A pooled thread has gone (its id), so its channel can be freed. */
  threadGone: (threadId: number) => void;
}

function faultOf(error: unknown, fallback: string): Fault {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: fallback };
}

export class ThreadLauncher implements Launcher {
  private readonly pool: Piscina;
  private readonly dedicated = new Map<number, Worker>();
  private closed = false;
  /** The BroadcastChannel on which this system's task threads are asked to flush. */
  private readonly flushChannel = `caduceus:flush:${randomUUID()}`;

  constructor(private readonly options: LauncherOptions) {
    const workerData: PoolThreadData = {
      entry: threadEntry('pool-thread'),
      channels: options.channels,
      bell: options.bell,
      memory: options.memory,
      flushChannel: this.flushChannel,
    };
    this.pool = new Piscina({
      filename: BOOTSTRAP.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      concurrentTasksPerWorker: 1 << 30,
      idleTimeout: 2 ** 31 - 1,
      atomics: 'disabled',
      workerData,
    });
    this.pool.on('workerDestroy', (worker: { id: number }) => options.threadGone(worker.id));
    this.pool.on('error', () => {
      // A pooled thread died; its jobs reject and their tasks fault one by one.
    });
  }

  start(job: TaskJob, ended: (fault?: Fault) => void): void {
    if (this.closed) return;
    if (job.thread === 'pool') {
      this.pool.run(job).then(
        () => ended(),
        (error: unknown) => ended(faultOf(error, 'the pooled thread died')),
      );
      return;
    }
    const workerData: DedicatedThreadData = {
      entry: threadEntry('dedicated-thread'),
      bell: this.options.bell,
      memory: this.options.memory,
      flushChannel: this.flushChannel,
      job,
    };
    const worker = new Worker(BOOTSTRAP, { workerData });
    let failure: Fault | undefined;
    worker.on('error', (error) => (failure = faultOf(error, 'the dedicated thread failed')));
    worker.once('exit', (code) => {
      this.dedicated.delete(job.tid);
      ended(failure ?? (code === 0 ? undefined : { name: 'Error', message: `the dedicated thread exited with code ${code}` }));
    });
    this.dedicated.set(job.tid, worker);
  }

  /** Stops a dedicated thread once it has flushed what its task wrote (or FLUSH_MS.kill has passed). */
  terminate(tid: number): void {
    const worker = this.dedicated.get(tid);
    if (!worker) return;
    void flushThreads(this.flushChannel, [worker], FLUSH_MS.kill).then(() => worker.terminate());
  }

  async close(): Promise<void> {
    this.closed = true;
    const threads = [...this.pool.threads, ...this.dedicated.values()];
    await flushThreads(this.flushChannel, threads, FLUSH_MS.close);
    await Promise.all([this.pool.destroy(), ...[...this.dedicated.values()].map((w) => w.terminate())]);
    this.dedicated.clear();
  }
}
