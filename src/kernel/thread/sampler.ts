// What the live inspector (src/inspect/) reads of a running kernel, and how
// it steers a controlled run. The loop keeps plain counters as it works (a
// task's calls, errors, last call and when its wait began; the passes,
// parks and wake-ups); a sample reads them, with each task's state, a few
// times a second when the inspector asks. Nothing here runs per event.

import { errnoName, ObjectType, opName, physOf } from '../../abi.ts';
import type { Fault } from '../../ipc/protocol.ts';
import type { DeadlockedTask } from '../deadlock.ts';
import { type Snapshot, type TaskSnapshot, takeSnapshot, taskSnapshot } from '../snapshot.ts';
import type { ControlStatus, SteerAction } from './controlled.ts';
import type { KernelLoop } from './loop.ts';
import type { TaskEntry } from './task-entries.ts';

export type { ControlStatus, SteerAction };

/** A task that ended: its address, exit code, the fault it ended with, and when (the loop's clock, ms). */
export interface TaskEnding {
  address: number;
  code: number;
  fault?: Fault;
  at: number;
}

/** How many endings are kept, the latest. */
const ENDINGS = 100;

/** The latest task endings, in a ring. */
export class TaskEndings {
  private readonly ring: TaskEnding[] = [];
  private next = 0;
  /** Endings so far, all told. */
  count = 0;

  note(address: number, code: number, fault: Fault | undefined, at: number): void {
    const ending: TaskEnding = fault ? { address, code, fault, at } : { address, code, at };
    if (this.ring.length < ENDINGS) this.ring.push(ending);
    else this.ring[this.next] = ending;
    this.next = (this.next + 1) % ENDINGS;
    this.count++;
  }

  /** Oldest first. */
  list(): TaskEnding[] {
    return this.ring.length < ENDINGS ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}

/** A launched task as the loop sees it: its Task object's state, its thread and its counters. */
export interface LiveTask extends TaskSnapshot {
  tid: number;
  /** Launch order: a controlled run's name for it. */
  ordinal: number;
  /** 'pooled N', 'dedicated', or for a pooled task before its first call 'pool'. */
  thread: string;
  calls: number;
  /** Calls answered with an errno. */
  errors: number;
  /** In the loop's clock (ms): its launch, its last call (-1: none yet), and when its present wait began (-1: none). */
  launched: number;
  lastCall: number;
  since: number;
  /** In a call: blocked in the kernel, or parked for its turn in a controlled run; null when running its own code. */
  waiting: 'blocked' | 'parked' | null;
}

export interface LiveSample {
  /** The loop's clock (ms) when it was taken. */
  at: number;
  /** Milliseconds of the kernel thread's time the sample took. */
  cost: number;
  /** System calls decided so far, by operation; failed ones by errno. */
  calls: Record<string, number>;
  errors: Record<string, number>;
  loop: { passes: number; parks: number; frames: number; killed: number; woken: number; wakeups: number; threadParks: number };
  /** Tasks blocked in the kernel now. */
  blocked: number;
  /** Free pages of each boot Memory area still live, by address. */
  freePages: Record<string, number>;
  tasks: LiveTask[];
  endings: TaskEnding[];
  controlled: ControlStatus | null;
  /** A full sample's: the snapshot (its `violations` empty: the check is apart) and the deadlocks. */
  snapshot?: Snapshot;
  deadlocks?: DeadlockedTask[];
  /** A checked sample's: the invariant check's verdict (docs/semantics.md §13), which costs more than the rest. */
  violations?: string[];
}

/** What a sample holds beyond the counters and tasks: the state (snapshot, deadlocks), and the invariant check. */
export interface SampleParts {
  state: boolean;
  check: boolean;
}

function threadOf(entry: TaskEntry, pooled: number): string {
  if (entry.thread === 'dedicated') return 'dedicated';
  if (entry.channel >= 0 && entry.channel < pooled) return `pooled ${entry.channel}`;
  return entry.channel === -1 ? 'pool' : 'pool (thread gone)';
}

function liveTask(loop: KernelLoop, entry: TaskEntry, pooled: number): LiveTask {
  const gone = entry.exited || entry.killed || !loop.kernel.isLiveTask(entry.page);
  const task: TaskSnapshot = gone
    ? { phys: entry.address, state: entry.killed ? 'killed' : 'exited', cspace: null, vspace: null, fault: null, call: null, waitsOn: null }
    : taskSnapshot(loop.kernel, entry.page);
  const waiting = entry.seq < 0 || gone ? null : entry.blocked ? 'blocked' : 'parked';
  return {
    ...task,
    tid: entry.tid,
    ordinal: entry.ordinal,
    thread: threadOf(entry, pooled),
    calls: entry.calls,
    errors: entry.errors,
    launched: entry.launched,
    lastCall: entry.lastCall,
    since: waiting === null ? -1 : entry.since,
    waiting,
  };
}

/**
 * A sample of the loop's state: counters, each launched task, the latest
 * endings, a controlled run's standing (its decisions from `decisionsFrom`);
 * and the parts asked for.
 */
export function sample(loop: KernelLoop, parts: SampleParts, decisionsFrom = 0): LiveSample {
  const start = performance.now();
  const { kernel } = loop;
  const { tasks, channels, controlled } = loop.inspection();
  const calls: Record<string, number> = {};
  kernel.calls.forEach((n, op) => n > 0 && (calls[opName(op)] = n));
  const errors: Record<string, number> = {};
  kernel.failures.forEach((n, errno) => n > 0 && (errors[errnoName(errno) ?? String(errno)] = n));
  const freePages: Record<string, number> = {};
  for (const area of loop.bootAreas) {
    if (kernel.core.objects.isLive(area, ObjectType.Memory)) freePages[`0x${physOf(area).toString(16)}`] = kernel.core.areas.freeOf(area);
  }
  const live: LiveTask[] = [];
  let blocked = 0;
  for (const entry of tasks.all()) {
    live.push(liveTask(loop, entry, channels.pooled));
    if (entry.blocked) blocked++;
  }
  const result: LiveSample = {
    at: start,
    cost: 0,
    calls,
    errors,
    loop: { ...loop.counts, wakeups: channels.wakeups, threadParks: channels.threadParks() },
    blocked,
    freePages,
    tasks: live,
    endings: loop.endings.list(),
    controlled: controlled?.status(decisionsFrom) ?? null,
  };
  if (parts.state) {
    result.snapshot = takeSnapshot(kernel, { check: false });
    result.deadlocks = kernel.deadlocks();
  }
  if (parts.check) result.violations = kernel.check();
  result.cost = performance.now() - start;
  return result;
}

/** Pauses, frees or steps a controlled run, lets it take the steps now allowed, and says where it stands. */
export function steer(loop: KernelLoop, how: SteerAction, decisionsFrom = 0): ControlStatus {
  const { channels, controlled } = loop.inspection();
  if (!controlled) throw new Error('the run is not controlled: only a controlled run can be paused or stepped');
  controlled.steer(how);
  controlled.decide();
  channels.publish();
  return controlled.status(decisionsFrom);
}
