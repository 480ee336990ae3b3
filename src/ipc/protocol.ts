// What crosses between the kernel thread and the task threads outside the
// system call rings: the jobs that start tasks, the data each kind of thread
// is started with, and the interfaces the kernel thread's loop is wired to.

import type { Fault } from '../abi.ts';

export type { Fault };

/** A task's program to run, as the launcher gets it. */
export interface TaskJob {
  tid: number;
  /** URL of the program module. */
  program: string;
  /** The structured-cloned argument (v8 serialization), if any. */
  arg: Uint8Array | undefined;
  thread: 'pool' | 'dedicated';
  /** The channel of a dedicated thread. */
  channel?: { index: number; buffer: SharedArrayBuffer };
  /**
   * A pooled job's placement word, its index in PoolThreadData.placements:
   * 0 until a thread takes the job, then that thread's id; the launcher
   * sets it to -1 to cancel a job no thread has taken (its task was killed
   * before it ran). One table for all jobs, not a buffer each: a buffer
   * costs each thread that receives one about 200 bytes for as long as
   * the job lives.
   */
  placement?: number;
  /** Init: its return value is wanted by the host. */
  init: boolean;
  /**
   * Physical memory, for zero-copy views of the task's own pages. It comes
   * with each job, not with the thread: a thread outlives a system when
   * another is booted on the same threads (src/host/machine.ts).
   */
  memory: SharedArrayBuffer;
  /** In a controlled run: the seed of the task's sys.random() stream (its clock is then virtual too). */
  seed?: number;
}

/** Starts task programs on threads (piscina pool and dedicated Workers). */
export interface Launcher {
  /** Runs a job; `ended` is called once when its thread work is over (with a fault if the thread died). */
  start(job: TaskJob, ended: (fault?: Fault) => void): void;
  /**
   * Task `tid` (the Task object at address `task`) was killed: a dedicated
   * thread on which it does not go quiet soon is stopped; a pooled thread on
   * which it does not yield soon is replaced, and its other tasks fault
   * saying why.
   */
  killed(tid: number, task: number): void;
  close(): Promise<void>;
}

/**
 * Task threads now: pooled, dedicated with a task, and spare dedicated ones
 * kept for the next dedicated task; dedicated tasks started on a spare
 * thread, and pooled threads replaced as stuck, so far; task starts posted
 * to a pooled thread that no thread has received yet.
 */
export interface ThreadCount {
  pooled: number;
  dedicated: number;
  spare: number;
  reused: number;
  replaced: number;
  jobsInFlight: number;
}

/** workerData of every thread the system starts: the entry module to load. */
export interface ThreadData {
  entry: string;
}

/** workerData every task thread has besides its entry. */
export interface TaskThreadData extends ThreadData {
  bell: SharedArrayBuffer;
  /** The BroadcastChannel on which the kernel thread asks task threads to flush their stdout and stderr. */
  flushChannel: string;
}

/** workerData of a pooled task thread. */
export interface PoolThreadData extends TaskThreadData {
  channels: SharedArrayBuffer[];
  /** The placement words of pooled jobs (Int32), one per job live, indexed by TaskJob.placement. */
  placements: SharedArrayBuffer;
  /** The BroadcastChannel on which the thread reports the tids of runs that have ended. */
  endingsChannel: string;
}

/** workerData of a dedicated task thread. */
export interface DedicatedThreadData extends TaskThreadData {
  /** Its first task. */
  job: TaskJob;
}

/**
 * Between a dedicated thread and its launcher: `idle` from the thread, once
 * task `idle`'s run is over and nothing keeps the thread busy; `job` to it,
 * its next task.
 */
export type DedicatedThreadMessage = { idle: number } | { job: TaskJob };

/** Messages on the kernel's event port to the host. */
/** What the kernel thread tells the host, each event naming the system (its boot's number) it comes from. */
export type HostEvent = { system: number } & (
  | { kind: 'print'; text: string; task: number }
  | { kind: 'exit'; code: number; value?: Uint8Array; fault?: Fault; snapshot?: unknown; schedule?: unknown; deadlocked?: unknown }
  /** A task other than init faulted and had no fault Endpoint to tell. */
  | { kind: 'unheard'; task: number; fault: Fault }
);
