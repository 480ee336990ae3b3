// The tasks the kernel loop knows: an entry per launched task, found by the
// tid its thread's frames carry or by the page the core names it by.

import { physOf } from '../../abi.ts';

/**
 * A task as the loop knows it, with a number for each audience, fixed at
 * launch: `page` (its Task object's first page) for the core; `tid`, never
 * reused, for its thread's frames, so a late call of an ended task cannot
 * reach the task that took its page; `address` (physOf(page)) for users;
 * `ordinal`, its place in launch order, for controlled mode's schedules.
 */
export interface TaskEntry {
  tid: number;
  page: number;
  address: number;
  ordinal: number;
  thread: 'pool' | 'dedicated';
  /** Channel the task's calls come on; -1 until a pooled task's first call; LOST once its pooled thread is gone. */
  channel: number;
  /** Sequence number of the call it waits in (blocked, or parked in a controlled run), or -1. */
  seq: number;
  /** Counted among its thread's calls blocked in the kernel. */
  blocked: boolean;
  /** For traces: when the kernel took the blocked call, and the call. */
  traceStart: number;
  traceRequest: unknown;
  killed: boolean;
  exited: boolean;
  /**
   * For the inspector, each a plain write on the call path: calls taken,
   * calls answered with an errno, and in the loop's clock (ms, the pass's
   * start) its launch, its last call, and when its wait began.
   */
  calls: number;
  errors: number;
  launched: number;
  lastCall: number;
  since: number;
}

export class TaskEntries {
  private readonly byTid = new Map<number, TaskEntry>();
  private readonly byPage = new Map<number, TaskEntry>();
  private launched = 0;

  /** The tid the next task gets. */
  constructor(public nextTid = 1) {}

  /** The entry of a task being launched at `page`. */
  add(page: number, thread: 'pool' | 'dedicated', now: number): TaskEntry {
    const entry: TaskEntry = {
      tid: this.nextTid++,
      page,
      address: physOf(page),
      ordinal: this.launched++,
      thread,
      channel: -1,
      seq: -1,
      blocked: false,
      traceStart: 0,
      traceRequest: null,
      killed: false,
      exited: false,
      calls: 0,
      errors: 0,
      launched: now,
      lastCall: -1,
      since: -1,
    };
    this.byTid.set(entry.tid, entry);
    this.byPage.set(page, entry);
    return entry;
  }

  withTid(tid: number): TaskEntry | undefined {
    return this.byTid.get(tid);
  }

  atPage(page: number): TaskEntry | undefined {
    return this.byPage.get(page);
  }

  /** The task has ended for the core (exited or killed), though its frames may still come. */
  leavePage(entry: TaskEntry): void {
    if (this.byPage.get(entry.page) === entry) this.byPage.delete(entry.page);
  }

  /** Its thread work is over: the loop forgets it. */
  drop(entry: TaskEntry): void {
    this.byTid.delete(entry.tid);
    this.leavePage(entry);
  }

  all(): IterableIterator<TaskEntry> {
    return this.byTid.values();
  }

  get size(): number {
    return this.byTid.size;
  }

  /** The address users know the task at `page` by. */
  addressOf(page: number): number {
    return this.byPage.get(page)?.address ?? physOf(page);
  }
}
