// The task runtime of one task thread (pooled or dedicated). Every task on the
// thread makes its system calls through it: a call is a frame in the
// thread's request ring, and all the frames made in one turn of the thread
// go to the kernel with one ring of its doorbell. Answers come back in the
// response ring; the runtime spins briefly for them, then parks on the
// channel's bell without blocking the thread's event loop, holding a ref'd
// timer meanwhile (Atomics.waitAsync alone does not keep a Node thread alive).

import { availableParallelism } from 'node:os';
import { Channel, type KernelBell, SpinBudget, turn } from '../ipc/channel.ts';
import { Decoder } from '../ipc/codec.ts';
import type { RequestArgs } from '../ipc/regs.ts';
import { type FrameWriter, readResponses, requestWriter, Status } from '../ipc/wire.ts';
import { Errno, KernelError, Op } from '../abi.ts';

/** Thrown into the calls of a task whose Task object was destroyed. */
export class TaskKilled extends Error {
  constructor() {
    super('the task was killed: its Task object was destroyed');
    this.name = 'TaskKilled';
  }
}

/** A task's part in its thread's calls. */
interface TaskCalls {
  /** The sequence number of its call in flight, or NONE. */
  busy: number;
  killed: boolean;
  onKilled: { killed(): void } | null;
}

/** No call in flight (sequence numbers are u32). */
const NONE = -1;

interface Pending {
  tid: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** How long a thread spins for answers before it parks, at most and at least (a SpinBudget). */
const SPIN_MS = 0.05;
const MIN_SPIN_MS = 0.004;
/** Task threads that may spin at once: the cores less the kernel thread's. */
const MAX_SPINNERS = Math.max(1, availableParallelism() - 1);
/** The longest single park; the loop re-checks after it. */
const PARK_MS = 1000;
/**
 * How long a park may block the thread's event loop before it waits
 * without blocking it. A thread woken from a blocking Atomics.wait runs at
 * once; one woken from Atomics.waitAsync first waits for its event loop to
 * take the wake-up, which measured 30-40 µs more per call + reply here. The
 * cost: while a thread parks, its tasks' timers and I/O wait up to this
 * long.
 */
const SYNC_PARK_MS = 1;

export class ThreadRuntime {
  private readonly writer: FrameWriter;
  private readonly decoder: Decoder;
  private readonly pending = new Map<number, Pending>();
  /**
   * Each task's calls, by tid. A task's record changes with each call, the
   * map only as tasks come and go: a key deleted and set again on each call
   * of a busy task would leave a chain of dead entries in its hash bucket,
   * which every lookup walks until the next rehash, and a big map rehashes
   * seldom (with 100,000 tasks each call then cost 20 µs and more).
   */
  private readonly tasks = new Map<number, TaskCalls>();
  private seq = 0;
  private flushQueued = false;
  private pumping = false;
  /** True while the pump holds for a turn so that answered tasks batch their calls. */
  private holding = false;
  /** Set while the pump waits for the answered task's next call. */
  private resume: (() => void) | null = null;
  private readonly spinBudget = new SpinBudget(SPIN_MS, MIN_SPIN_MS);

  constructor(
    readonly channel: Channel,
    private readonly bell: KernelBell,
  ) {
    this.writer = requestWriter(channel);
    this.decoder = new Decoder(channel.responses.data);
  }

  /** Makes a system call for task `tid`; resolves with its value or rejects with KernelError. */
  call(tid: number, request: Record<string, unknown>): Promise<unknown> {
    const refused = this.refuse(tid, request.op);
    if (refused) return refused;
    const seq = this.nextSeq();
    try {
      // Encoding keeps within the frame limit, so this cannot throw for a
      // big call; should it throw anyway, the task must not stay busy.
      this.writer.request(tid, seq, request);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.await(tid, seq);
  }

  /**
   * Makes a system call whose arguments are register words (regs.ts); null,
   * with nothing sent, when they do not fit a register frame and the call
   * must go tagged.
   */
  callRegs(tid: number, op: number, cap: number, args: RequestArgs): Promise<unknown> | null {
    const refused = this.refuse(tid, op);
    if (refused) return refused;
    const seq = this.nextSeq();
    if (!this.writer.regs(tid, seq, op, cap, args)) return null;
    return this.await(tid, seq);
  }

  /** The answer to a call that cannot be made now: the task was killed, or has a call in flight. */
  private refuse(tid: number, op: unknown): Promise<never> | null {
    const task = this.tasks.get(tid);
    if (task?.killed) return Promise.reject(new TaskKilled());
    // One call in flight per task; exit may always end a task.
    if (task && task.busy !== NONE && op !== Op.Exit) return Promise.reject(new KernelError(Errno.EBUSY));
    return null;
  }

  private nextSeq(): number {
    return (this.seq = (this.seq + 1) >>> 0);
  }

  /** The promise of call `seq` of task `tid`, just written; sends it with the turn's batch. */
  private await(tid: number, seq: number): Promise<unknown> {
    // Exit may come while the task waits in another call (it exited from a
    // timer, say): that call will never be answered, so it is dropped here.
    const task = this.task(tid);
    if (task.busy !== NONE) this.pending.delete(task.busy);
    task.busy = seq;
    const promise = new Promise<unknown>((resolve, reject) => this.pending.set(seq, { tid, resolve, reject }));
    if (!this.flushQueued) {
      this.flushQueued = true;
      // While the pump holds for a turn it flushes the whole batch itself.
      if (!this.holding) queueMicrotask(this.flush);
    }
    return promise;
  }

  /** Registers what to do when the kernel reports a task killed. */
  whenKilled(tid: number, run: { killed(): void }): void {
    this.task(tid).onKilled = run;
  }

  forget(tid: number): void {
    // A call still in flight when the task's run ends is never answered.
    const task = this.tasks.get(tid);
    if (task && task.busy !== NONE) this.pending.delete(task.busy);
    this.tasks.delete(tid);
  }

  isKilled(tid: number): boolean {
    return this.tasks.get(tid)?.killed === true;
  }

  private task(tid: number): TaskCalls {
    let task = this.tasks.get(tid);
    if (!task) this.tasks.set(tid, (task = { busy: NONE, killed: false, onKilled: null }));
    return task;
  }

  /** Sends the turn's frames with one ring of the kernel's doorbell. */
  private readonly flush = (): void => {
    this.flushQueued = false;
    this.writer.retry();
    this.bell.ring(this.channel.index);
    const resume = this.resume;
    if (resume) {
      this.resume = null;
      resume();
    }
    if (!this.pumping) void this.pump();
  };

  /** Resolves at the next flush, or after a turn of the event loop if none comes. */
  private nextFlush(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resume = resolve;
      setImmediate(() => {
        if (this.resume === resolve) {
          this.resume = null;
          resolve();
        }
      });
    });
  }

  /** Receives answers while any call is outstanding. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.pending.size > 0) {
        const answered = this.receive();
        if (answered > 0) {
          // Let the answered tasks run to their next calls, which then go to
          // the kernel together. After many answers, wait a whole turn so
          // they all join one batch; after one, go on as soon as its next
          // call is sent.
          if (this.pending.size === 0) continue;
          if (answered > 1) {
            this.holding = true;
            await turn();
            this.holding = false;
            if (this.flushQueued) this.flush();
          } else await this.nextFlush();
          continue;
        }
        if (this.writer.waiting > 0) {
          this.writer.retry();
          this.bell.ring(this.channel.index);
        }
        const seen = this.channel.responseBell();
        // Spin, unless every call is blocked in the kernel (no answer is
        // near): an answer arriving now is taken without a wake-up.
        if (!this.allBlocked() && this.spin()) continue;
        const keepAlive = setTimeout(noop, PARK_MS + 1000);
        const parked = performance.now();
        try {
          await this.channel.parkThread(seen, PARK_MS, this.bell.jobsInFlight() > 0 ? 0 : SYNC_PARK_MS);
        } finally {
          clearTimeout(keepAlive);
        }
        // Woken with no answer: the kernel nudged the thread to take a
        // message (a task to start), which needs a turn of its event loop.
        if (!this.channel.responses.pending()) await turn();
        // Woken within a full budget: a longer spin would have caught it.
        if (performance.now() - parked < SPIN_MS) this.spinBudget.paid();
      }
    } finally {
      this.pumping = false;
    }
  }

  /** True when every call of this thread waits in the kernel for another task. */
  private allBlocked(): boolean {
    return this.pending.size <= this.channel.blockedCalls();
  }

  private readonly answeredOrAllBlocked = (): boolean => this.channel.responses.pending() || this.allBlocked();

  /** Spins for an answer within the adaptive budget; true if one came. */
  private spin(): boolean {
    const start = performance.now();
    const budget = this.spinBudget.ms;
    this.bell.spinShared(this.answeredOrAllBlocked, budget, MAX_SPINNERS);
    const answered = this.channel.responses.pending();
    if (answered) this.spinBudget.paid();
    else if (!this.allBlocked() && performance.now() - start >= budget) this.spinBudget.missed();
    return answered;
  }

  private receive(): number {
    return readResponses(this.channel, this.decoder, this.settle);
  }

  private readonly settle = (tid: number, seq: number, status: number, value: unknown): void => {
    const waiting = this.pending.get(seq);
    if (!waiting || waiting.tid !== tid) return;
    this.pending.delete(seq);
    const task = this.tasks.get(waiting.tid);
    if (task && task.busy === seq) task.busy = NONE;
    if (status === Status.Ok) waiting.resolve(value);
    else if (status === Status.Killed) {
      if (task) task.killed = true;
      waiting.reject(new TaskKilled());
      task?.onKilled?.killed();
    } else waiting.reject(new KernelError(status));
  };
}

function noop(): void {}


/** Claims a free channel among the pooled threads' channels for thread `owner`. */
export function claimChannel(buffers: SharedArrayBuffer[], owner: number): Channel {
  for (let i = 0; i < buffers.length; i++) {
    const channel = new Channel(buffers[i], i);
    if (channel.claim(owner)) return channel;
  }
  throw new Error('no free channel for this pooled thread');
}
