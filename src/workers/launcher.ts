// Starts task programs on threads: a piscina pool for pooled tasks (many per
// thread: each job begins one task, and is over once it has begun, so that
// piscina holds nothing for a live task; the run's end is reported on an
// endings channel, endings.ts) and a Worker per dedicated task, kept once
// its task has ended for the next one (dedicated.ts). Piscina
// runs with atomics 'disabled': its default 'sync' mode freezes an idle
// worker's event loop, which would stall every task parked on that thread.
//
// Pooled threads are cooperative: a task that never yields holds its thread.
// When a killed task's thread neither answers nor makes a call nor parks
// within YIELD_MS, the thread is replaced (terminated; piscina starts a
// fresh one), its other tasks fault saying so, and no task is placed on it
// again. (A busy thread on a loaded machine may take longer to answer, but
// it goes on calling.) Each pooled job has a
// placement word the thread that takes it writes its id into, so the
// launcher knows which thread runs which task, and which tasks a thread
// that dies takes with it; a job no thread took yet is placed again instead
// of being lost with a dead thread.

import { randomUUID } from 'node:crypto';
import type { BroadcastChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Fault, Launcher, PoolThreadData, TaskJob, ThreadCount } from '../ipc/protocol.ts';
import { DedicatedThreads, faultOf } from './dedicated.ts';
import { Channel, KernelBell } from '../ipc/channel.ts';
import { hearEndings } from './endings.ts';
import { flushThreads } from './stdio.ts';
import { BOOTSTRAP, threadEntry, threadExecArgv } from './threads.ts';

/**
 * How long threads get to flush their stdout and stderr before they are
 * terminated at shutdown (only a thread whose event loop is blocked takes
 * this long; a killed dedicated task's thread has dedicated.ts's).
 */
const CLOSE_FLUSH_MS = 500;
/** How long a pooled thread whose task was killed has to show its event loop runs before it is replaced. */
export const YIELD_MS = 500;
type Balancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;
/** A pooled thread as piscina's load balancer sees it. */
type PiscinaWorker = Parameters<Balancer>[1][number];

/** Placement word of a job cancelled before any thread took it. */
const CANCELLED = -1;
/** How often a job no thread took is placed again when threads die under it. */
const MAX_PLACEMENTS = 4;
/**
 * Words of the placement table: one per pooled task live at once. A task
 * takes a page of physical memory at least, and memory is at most 2^20
 * pages, so no system can have more. (4 MiB of address space, of which only
 * the words used take memory.)
 */
const MAX_PLACEMENT_WORDS = 1 << 20;

export interface LauncherOptions {
  threads: number;
  channels: SharedArrayBuffer[];
  bell: SharedArrayBuffer;
  /**
   * A task thread has gone (its id): its channel can be freed. Returns what
   * its tasks are told, when the kernel knows more than that the thread died
   * (a task called process.exit).
   */
  threadGone: (threadId: number) => Fault | undefined;
}

interface PooledJob {
  tid: number;
  /** Until a thread has begun the task: it may have to be placed again. */
  job: TaskJob | undefined;
  /** Its word in the placement table. */
  placement: number;
  ended: (fault?: Fault) => void;
  placements: number;
  killed: boolean;
  /** The thread that runs it (0: not known yet), counted in `load`. */
  thread: number;
  settled: boolean;
}

export class ThreadLauncher implements Launcher {
  private readonly pool: Piscina;
  private readonly dedicated: DedicatedThreads;
  private readonly pooled = new Map<number, PooledJob>();
  /** Pooled threads known to be stuck: never given a task again. */
  private readonly stuck = new Set<number>();
  /** Pooled threads being checked after a kill. */
  private readonly probing = new Set<number>();
  /** Pooled threads seen alive, by id (a Worker's threadId is -1 once it has exited). */
  private readonly known = new Set<number>();
  /** What the tasks of a dead thread are told, by thread id. */
  private readonly reasons = new Map<number, Fault>();
  /** The error a pooled thread died of, by thread id. */
  private readonly failures = new Map<number, Fault>();
  /** Live tasks begun on each pooled thread, by id (piscina counts only the jobs not yet begun). */
  private readonly load = new Map<number, number>();
  /** Pooled threads replaced so far. */
  replaced = 0;
  private closed = false;
  /** The BroadcastChannel on which this system's task threads are asked to flush. */
  private readonly flushChannel = `caduceus:flush:${randomUUID()}`;
  /** The BroadcastChannel on which pooled threads report the runs that ended. */
  private readonly endingsChannel = `caduceus:endings:${randomUUID()}`;
  private readonly endings: BroadcastChannel;

  /** The doorbell, whose count of jobs in flight the launcher keeps with the pooled threads. */
  private readonly bell: KernelBell;
  /** The pooled threads' channels, to see whether a thread being probed makes progress. */
  private readonly channels: Channel[];
  /** The placement words of pooled jobs (see TaskJob.placement). */
  private readonly placements = new Int32Array(new SharedArrayBuffer(4 * MAX_PLACEMENT_WORDS));
  private readonly freePlacements: number[] = [];
  private nextPlacement = 0;

  constructor(private readonly options: LauncherOptions) {
    this.bell = new KernelBell(options.bell);
    this.channels = options.channels.map((buffer, i) => new Channel(buffer, i));
    this.dedicated = new DedicatedThreads({ bell: options.bell, flushChannel: this.flushChannel, quietMs: YIELD_MS, threadGone: options.threadGone });
    this.endings = hearEndings(this.endingsChannel, (tid) => {
      const pooled = this.pooled.get(tid);
      if (pooled) this.settle(pooled);
    });
    const workerData: PoolThreadData = {
      entry: threadEntry('pool-thread'),
      channels: options.channels,
      placements: this.placements.buffer as SharedArrayBuffer,
      bell: options.bell,
      flushChannel: this.flushChannel,
      endingsChannel: this.endingsChannel,
    };
    this.pool = new Piscina({
      filename: BOOTSTRAP.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      concurrentTasksPerWorker: 1 << 30,
      idleTimeout: 2 ** 31 - 1,
      atomics: 'disabled',
      execArgv: threadExecArgv(),
      workerData,
      loadBalancer: (_task, workers) => this.leastBusy(workers),
    });
    this.pool.on('workerCreate', () => this.watchPooledThreads());
    this.pool.on('error', () => {
      // A pooled thread died; its jobs reject and their tasks fault one by one.
    });
  }

  /** Placement: the pooled thread with the fewest tasks, never a stuck one. */
  private leastBusy(workers: PiscinaWorker[]): PiscinaWorker | null {
    let best: PiscinaWorker | null = null;
    for (const worker of workers) {
      if (worker.terminating || worker.destroyed || this.stuck.has(worker.id)) continue;
      if (best === null || this.usage(worker) < this.usage(best)) best = worker;
    }
    return best;
  }

  /** A pooled thread's tasks: the jobs piscina has given it, and the tasks it has begun. */
  private usage(worker: PiscinaWorker): number {
    return worker.currentUsage + (this.load.get(worker.id) ?? 0);
  }

  /** Learns the ids of new pooled threads while they are alive, to tell the kernel when one goes. */
  private watchPooledThreads(): void {
    for (const worker of this.pool.threads) {
      const id = worker.threadId;
      if (id < 0 || this.known.has(id)) continue;
      this.known.add(id);
      worker.on('error', (error) => this.failures.set(id, faultOf(error, 'the pooled thread failed')));
      worker.once('exit', () => {
        this.known.delete(id);
        this.stuck.delete(id);
        const reason = this.options.threadGone(id);
        if (reason && !this.reasons.has(id)) this.reasons.set(id, reason);
        this.threadDied(id);
      });
    }
  }

  start(job: TaskJob, ended: (fault?: Fault) => void): void {
    if (this.closed) return;
    if (job.thread === 'pool') {
      const placement = this.freePlacements.pop() ?? this.nextPlacement++;
      job.placement = placement;
      const pooled: PooledJob = { tid: job.tid, job, placement, ended, placements: 0, killed: false, thread: 0, settled: false };
      this.pooled.set(job.tid, pooled);
      this.place(pooled);
      return;
    }
    this.dedicated.start(job, ended);
  }

  private place(pooled: PooledJob): void {
    pooled.placements++;
    this.bell.jobsPosted(1);
    this.pool.run(pooled.job as TaskJob).then(
      () => this.begun(pooled),
      (error: unknown) => {
        // Settled already: its thread died (threadDied), or the run ended before piscina's answer came.
        if (pooled.settled) return;
        const thread = Atomics.load(this.placements, pooled.placement);
        // No thread received it, so none counted it off.
        if (thread === 0) this.bell.jobsPosted(-1);
        // No thread took it (the one piscina gave it to died first): nothing of the task ran, so place it again.
        if (thread === 0 && !this.closed && pooled.placements < MAX_PLACEMENTS) {
          this.place(pooled);
          return;
        }
        this.settle(pooled, this.reasons.get(thread) ?? faultOf(error, 'the pooled thread died'));
      },
    );
  }

  /** Its job is over: a thread has begun the task (whose end comes on the endings channel), or it was cancelled. */
  private begun(pooled: PooledJob): void {
    if (pooled.settled) return;
    const thread = Atomics.load(this.placements, pooled.placement);
    if (thread === CANCELLED || thread === 0) {
      this.settle(pooled);
      return;
    }
    pooled.job = undefined;
    pooled.thread = thread;
    this.load.set(thread, (this.load.get(thread) ?? 0) + 1);
  }

  /** Pooled thread `id` has exited: its tasks end with it, saying why. */
  private threadDied(id: number): void {
    const fault = this.reasons.get(id) ?? this.failures.get(id) ?? { name: 'Error', message: 'the pooled thread died' };
    for (const pooled of [...this.pooled.values()]) if (Atomics.load(this.placements, pooled.placement) === id) this.settle(pooled, fault);
    this.load.delete(id);
    this.failures.delete(id);
  }

  private settle(pooled: PooledJob, fault?: Fault): void {
    pooled.settled = true;
    // A thread's count stays at 0 rather than coming and going (D64); it goes when the thread does.
    if (pooled.thread > 0 && this.load.has(pooled.thread)) this.load.set(pooled.thread, (this.load.get(pooled.thread) as number) - 1);
    this.pooled.delete(pooled.tid);
    // No thread reads the word of a job that has settled: it is free for the next.
    Atomics.store(this.placements, pooled.placement, 0);
    this.freePlacements.push(pooled.placement);
    pooled.ended(fault);
  }

  killed(tid: number, task: number): void {
    if (this.dedicated.killed(tid)) return;
    const pooled = this.pooled.get(tid);
    if (!pooled) return;
    pooled.killed = true;
    // Not taken by any thread yet: cancel it, so that it never runs.
    if (Atomics.compareExchange(this.placements, pooled.placement, 0, CANCELLED) === 0) return;
    const thread = Atomics.load(this.placements, pooled.placement);
    if (thread > 0) this.probe(thread, task);
  }

  /**
   * Replaces pooled thread `id` unless its event loop answers, or it makes
   * a call or parks, within YIELD_MS; looks again each YIELD_MS while a
   * task killed on it has not ended: a killed task may still be loading its module when first
   * looked at, and hold the thread only once it runs.
   */
  private probe(id: number, task: number): void {
    if (this.closed || this.probing.has(id) || this.stuck.has(id)) return;
    const worker = this.pool.threads.find((w) => w.threadId === id);
    if (!worker) return;
    this.probing.add(id);
    const channel = this.channels.find((c) => c.owner() === id);
    const progress = channel?.progress();
    void flushThreads(this.flushChannel, [worker], YIELD_MS).then((silent) => {
      this.probing.delete(id);
      if (this.closed) return;
      if (silent.length === 0 || channel?.progress() !== progress) {
        if (this.killedOn(id)) setTimeout(() => this.probe(id, task), YIELD_MS).unref();
        return;
      }
      const message = `its pooled thread was replaced: task 0x${task.toString(16)} did not yield within ${YIELD_MS} ms after it was killed`;
      this.stuck.add(id);
      this.reasons.set(id, { name: 'ThreadReplaced', message });
      this.replaced++;
      // Piscina fails the thread's jobs and starts a fresh thread in its place.
      void worker.terminate();
    });
  }

  /** True while a task killed on pooled thread `id` has thread work left. */
  private killedOn(id: number): boolean {
    for (const pooled of this.pooled.values()) if (pooled.killed && Atomics.load(this.placements, pooled.placement) === id) return true;
    return false;
  }

  /** Task threads running now. */
  threadCount(): ThreadCount {
    return { pooled: this.pool.threads.length, ...this.dedicated.count(), replaced: this.replaced, jobsInFlight: this.bell.jobsInFlight() };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.endings.close();
    await flushThreads(this.flushChannel, [...this.pool.threads, ...this.dedicated.running()], CLOSE_FLUSH_MS);
    await Promise.all([this.pool.destroy(), this.dedicated.close()]);
  }
}
