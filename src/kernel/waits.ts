// Task waits: the kernel's view of tasks that run: what each is blocked on, the call it
// is blocked in (kept so a suspended task restarts it on resume), and the
// effects the kernel thread must carry out because of a decision (start a
// program, kill a thread, answer a call that was blocked, print, report an
// exit). The core stays synchronous: it only records effects.

import type { Fault } from '../abi.ts';
import type { Core } from './state.ts';
import { TaskState, Tcb, tcbWord } from './tcb.ts';

/** A call's answer: errno 0 with a value, or an errno. */
export type SyscallResult = { errno: 0; value: unknown } | { errno: number; value?: undefined };

export type { Fault };

/** What the kernel thread must do after the core decided something. */
export type Effect =
  /** A call that blocked has its answer now. */
  | { kind: 'answer'; task: number; result: SyscallResult }
  /** Run `program` as the task, on a pooled or dedicated thread. */
  | { kind: 'start'; task: number; program: string; arg: Uint8Array | undefined; thread: 'pool' | 'dedicated' }
  /** The task's object was destroyed while it ran: stop its thread or its calls. */
  | { kind: 'kill'; task: number }
  | { kind: 'print'; task: number; text: string }
  /** The task exited; bindings are already dropped. */
  | { kind: 'exit'; task: number; code: number; value: Uint8Array | undefined; fault: Fault | undefined; heard: boolean };

/** What a task waits for: one of these in its record, beside the object it waits on. */
export const Waiting = {
  Nothing: 0,
  /** Queued on an Endpoint to send. */
  Send: 1,
  /** Queued on an Endpoint to call (it then waits for the answer). */
  Call: 2,
  /** Queued on an Endpoint to receive. */
  Recv: 3,
  /** Its call was taken: it waits for the answer a Reply cap promises. */
  Answer: 4,
  /** Queued on a Notification. */
  Notification: 5,
  /** Ended: its exit message is queued on its fault Endpoint as a sender. */
  ExitMessage: 6,
  /** Waiting on a Listener or Connection for the world outside: a client, its bytes, room to send. */
  Net: 7,
} as const;
export type WaitingKind = (typeof Waiting)[keyof typeof Waiting];

/** Kernel-side state of a task that has been started and not yet ended. */
export interface TaskRecord {
  /** The object the task is blocked on (an Endpoint, Notification, or its caller), 0 if none. */
  blockedOn: number;
  /** What it waits for there (Waiting). */
  waiting: WaitingKind;
  /** The call it is blocked in, or holds while suspended: restarted on resume. */
  call: Record<string, unknown> | null;
  /** The caller whose answer the task owes (its hidden Reply slot), 0 if none. */
  replyTo: number;
  /** Generation of `replyTo` when the Reply cap was made (detects a caller that is gone). */
  replyGen: number;
  /** Counts starts of tasks on this page; Reply caps remember it. */
  gen: number;
  /** An answer that arrived while the task was suspended, delivered on resume. */
  held: SyscallResult | null;
  /** Capabilities a blocked sender attaches (caddrs of its CSpace, and whether each moves). */
  attached: Array<{ caddr: number; move: boolean }>;
  /** Landing slots a blocked receiver or caller offers (global slot indexes). */
  landing: number[];
  /** Whether the Endpoint cap the task receives on has GRANT (its replies may carry caps). */
  grant: boolean;
  /** Whether the task's pending answer (its Reply cap) may carry caps. */
  replyGrant: boolean;
}

const NO_EFFECTS: Effect[] = [];

/**
 * What each started task waits for (its record), and the effects the core's
 * decisions leave for the kernel thread. It decides nothing: the object
 * modules block tasks here and answer them.
 */
export class TaskWaits {
  readonly records = new Map<number, TaskRecord>();
  readonly effects: Effect[] = [];
  private generation = 0;

  constructor(private readonly core: Core) {}

  state(task: number): number {
    return this.core.phys.words[tcbWord(task, Tcb.State)];
  }

  setState(task: number, state: number): void {
    this.core.phys.words[tcbWord(task, Tcb.State)] = state;
  }

  /** Makes the record of a task being started. */
  admit(task: number): TaskRecord {
    const record: TaskRecord = {
      blockedOn: 0,
      waiting: Waiting.Nothing,
      call: null,
      replyTo: 0,
      replyGen: 0,
      gen: ++this.generation,
      held: null,
      attached: [],
      landing: [],
      grant: false,
      replyGrant: false,
    };
    this.records.set(task, record);
    return record;
  }

  record(task: number): TaskRecord | undefined {
    return this.records.get(task);
  }

  /** The record of `task`, made now if it has none (a task that has not blocked yet). */
  recordFor(task: number): TaskRecord {
    return this.records.get(task) ?? this.admit(task);
  }

  /** Blocks `task` in `call`, waiting for `waiting` on `object`. */
  block(task: number, object: number, waiting: WaitingKind, call: Record<string, unknown> | null): void {
    const record = this.records.get(task) as TaskRecord;
    record.blockedOn = object;
    record.waiting = waiting;
    record.call = call;
    this.setState(task, TaskState.Blocked);
  }

  /** Ends a task's wait with an answer; a suspended task gets it on resume. */
  answer(task: number, result: SyscallResult): void {
    const record = this.records.get(task);
    if (record) {
      record.blockedOn = 0;
      record.waiting = Waiting.Nothing;
      record.call = null;
    }
    const state = this.state(task);
    if (state === TaskState.Suspended && record) {
      record.held = result;
      return;
    }
    if (state === TaskState.Blocked) this.setState(task, TaskState.Ready);
    this.effects.push({ kind: 'answer', task, result });
  }

  /** Takes the effects recorded so far. */
  take(): Effect[] {
    if (this.effects.length === 0) return NO_EFFECTS;
    return this.effects.splice(0, this.effects.length);
  }
}
