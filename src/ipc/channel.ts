// The system call path between a task thread and the kernel thread: one
// shared-memory channel per task thread (a request ring and a response ring)
// and one kernel doorbell that every task thread rings.
//
// Doorbells are counters. A sleeper records the count, announces it is
// parked, checks for work once more, and waits only while the count is
// unchanged; a producer bumps the count after publishing and notifies only a
// parked sleeper. Atomics are sequentially consistent, so no wake-up is lost.

import { Ring } from './ring.ts';

/**
 * Control words of a channel (Int32 indexes). Each sits on a cache line of
 * its own: the two threads write different words while the other spins on
 * its own, and sharing one line would make every write a contended miss.
 */
const LINE = 16;
const Ctl = {
  RequestHead: 0 * LINE,
  RequestTail: 1 * LINE,
  ResponseHead: 2 * LINE,
  ResponseTail: 3 * LINE,
  /** Bumped by the kernel after it publishes responses. */
  ResponseBell: 4 * LINE,
  /** What the task thread is doing: Waits.Parked while it waits on ResponseBell. */
  ThreadWaits: 5 * LINE,
  /** Thread id of the thread that owns the channel, 0 if none. */
  Owner: 6 * LINE,
  /** The task (tid) whose code called process.exit on the owning thread, 0 if none; and the exit code. */
  ExitedBy: 7 * LINE,
  ExitCode: 7 * LINE + 1,
  /**
   * Written by the kernel: how many of this thread's calls are blocked in
   * the kernel (a recv, call or wait queued there, or held by a suspend).
   * A thread all of whose calls are blocked parks at once: no answer is
   * coming soon, and a spinning thread would hold a core that the thread
   * which can answer them may need.
   */
  Blocked: 8 * LINE,
  Words: 9 * LINE,
} as const;

const CONTROL_BYTES = Ctl.Words * 4;
export const DEFAULT_RING_BYTES = 1 << 18;

/**
 * Spins until `done()` or `budgetMs` passes, or the peer stalls (see
 * Stalled), reading the clock only every 64 turns (a clock read that
 * allocates, as hrtime.bigint() does, would feed the garbage collector on
 * every turn). Says how the spin ended.
 */
export function spinUntil(done: () => boolean, budgetMs: number, stalled?: Stalled): Spin {
  const start = performance.now();
  const end = start + budgetMs;
  for (let turn = 1; ; turn++) {
    if (done()) return Spin.Done;
    if ((turn & 63) === 0) {
      const now = performance.now();
      if (now > end) return done() ? Spin.Done : Spin.Missed;
      if (stalled !== undefined && stalled.peerStalled(now - start)) return done() ? Spin.Done : Spin.Stalled;
    }
  }
}

/** How a spin ended. */
export const Spin = {
  /** The budget ran out. */
  Missed: 0,
  /** What it waited for came. */
  Done: 1,
  /** The peer had not taken what it was handed: it has no core, and the spin kept it from one. */
  Stalled: 2,
  /** No spin: enough threads spin already. */
  Skipped: 3,
} as const;
export type Spin = (typeof Spin)[keyof typeof Spin];

/** What a thread is doing, as the other side of its channel sees it. */
export const Waits = { Working: 0, Parked: 1, Spinning: 2 } as const;

/** A spinning peer that has not taken its input after this long has no core. */
const SPINNING_PICKUP_MS = 0.015;
/** A parked peer, notified, that has not woken after this long has no core (a wake takes 5-20 µs here). */
const PARKED_PICKUP_MS = 0.05;

/**
 * Whether a peer doing `waits` that has had input waiting for `elapsedMs`
 * lacks a core: a spinning peer sees new input within a microsecond, and
 * a notified one wakes within tens. A working peer is only busy.
 */
export function peerStalled(waits: number, elapsedMs: number): boolean {
  return waits === Waits.Spinning ? elapsedMs > SPINNING_PICKUP_MS : waits === Waits.Parked && elapsedMs > PARKED_PICKUP_MS;
}

/**
 * When a spin gives up early: the peer the spinner waits on (the kernel for
 * a task thread's calls, a task thread for its answers) has not taken what
 * it was handed though it is waiting for input (peerStalled). On a machine
 * with no spare core that peer waits for the very core the spinner holds,
 * so spinning on only delays the answer; parking gives the core up.
 */
export interface Stalled {
  peerStalled(elapsedMs: number): boolean;
}

/** Resolves after one turn of the thread's event loop (its timers and I/O run meanwhile). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Spins in a row that must find nothing before a SpinBudget halves. */
const MISSES_TO_SHRINK = 4;

/**
 * An adaptive spin budget in milliseconds. It doubles (up to `max`) when a
 * spin catches what it waited for, or a park ends within a full budget (a
 * longer spin would have caught it); it halves after several spins in a row
 * find nothing, as when another process holds the cores or answers are far
 * apart, and below `min` it is 0: the thread parks at once, and the next
 * short park starts it again at `min`. So spinning that does not pay costs
 * little, and no call pays a whole budget every time.
 */
export class SpinBudget {
  ms: number;
  private misses = 0;
  /** No spinning until then (performance.now() ms): a spin found no spare core. */
  private quietUntil = 0;

  constructor(
    readonly max: number,
    readonly min: number,
  ) {
    this.ms = max;
  }

  paid(): void {
    this.misses = 0;
    this.ms = this.ms === 0 ? this.min : Math.min(this.max, this.ms * 2);
  }

  missed(): void {
    if (++this.misses < MISSES_TO_SHRINK) return;
    this.misses = 0;
    this.ms = this.ms / 2 < this.min ? 0 : this.ms / 2;
  }

  /** A spin stalled (see Stalled): no spinning for CONTENDED_MS, then one try again. */
  stalled(now: number): void {
    this.quietUntil = now + CONTENDED_MS;
  }

  /** The budget of a spin starting at `now`: 0 while the cores are taken. */
  at(now: number): number {
    return now < this.quietUntil ? 0 : this.ms;
  }
}

/**
 * How long a thread whose spin stalled parks at once instead of spinning.
 * While other processes hold the cores, both sides then hand over by
 * wake-ups only, which is what a busy machine can do best; one stalled spin
 * per period is the cost of finding out when the cores are back.
 */
const CONTENDED_MS = 20;

export class Channel {
  readonly control: Int32Array;
  /** Task thread -> kernel. */
  readonly requests: Ring;
  /** Kernel -> task thread. */
  readonly responses: Ring;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly index: number,
  ) {
    const ring = (buffer.byteLength - CONTROL_BYTES) / 2;
    this.control = new Int32Array(buffer, 0, Ctl.Words);
    this.requests = new Ring(buffer, CONTROL_BYTES, ring, this.control, Ctl.RequestHead, Ctl.RequestTail);
    this.responses = new Ring(buffer, CONTROL_BYTES + ring, ring, this.control, Ctl.ResponseHead, Ctl.ResponseTail);
  }

  static create(index: number, ringBytes = DEFAULT_RING_BYTES): Channel {
    return new Channel(new SharedArrayBuffer(CONTROL_BYTES + 2 * ringBytes), index);
  }

  /** Task thread: claims the channel for thread `owner` (> 0); false if another holds it. */
  claim(owner: number): boolean {
    return Atomics.compareExchange(this.control, Ctl.Owner, 0, owner) === 0;
  }

  /** The thread id holding the channel, 0 if none. */
  owner(): number {
    return Atomics.load(this.control, Ctl.Owner);
  }

  /** Task thread, as it exits: task `tid` called process.exit(code). */
  recordExit(tid: number, code: number): void {
    Atomics.store(this.control, Ctl.ExitCode, code | 0);
    Atomics.store(this.control, Ctl.ExitedBy, tid);
  }

  /** Kernel: who ended the owning thread with process.exit, if a task did. */
  exitRecord(): { tid: number; code: number } | null {
    const tid = Atomics.load(this.control, Ctl.ExitedBy);
    return tid === 0 ? null : { tid, code: Atomics.load(this.control, Ctl.ExitCode) };
  }

  /** Kernel: empties both rings and frees the channel for another thread. */
  reset(): void {
    this.control.fill(0);
  }

  /** Kernel: after publishing responses, wake the thread if it sleeps. */
  wakeThread(): void {
    Atomics.add(this.control, Ctl.ResponseBell, 1);
    if (Atomics.load(this.control, Ctl.ThreadWaits) === Waits.Parked) Atomics.notify(this.control, Ctl.ResponseBell, 1);
  }

  /** Kernel: one more (+1) or one fewer (-1) of the thread's calls is blocked in the kernel. */
  countBlocked(delta: 1 | -1): void {
    Atomics.add(this.control, Ctl.Blocked, delta);
  }

  /** Task thread: how many of its calls are blocked in the kernel. */
  blockedCalls(): number {
    return Atomics.load(this.control, Ctl.Blocked);
  }

  /** Task thread: the bell's value, to wait on. */
  /** What the task thread is doing (Waits). */
  threadWaits(): number {
    return Atomics.load(this.control, Ctl.ThreadWaits);
  }

  /** Task thread: says it spins (Waits.Spinning) or works (Waits.Working). */
  setThreadWaits(waits: number): void {
    Atomics.store(this.control, Ctl.ThreadWaits, waits);
  }

  responseBell(): number {
    return Atomics.load(this.control, Ctl.ResponseBell);
  }

  /**
   * Task thread: waits until the response bell moves from `seen`, or
   * `timeoutMs` passes: blocking for the first `syncMs`, then without
   * blocking the event loop.
   */
  async parkThread(seen: number, timeoutMs: number, syncMs = 0): Promise<void> {
    Atomics.store(this.control, Ctl.ThreadWaits, Waits.Parked);
    try {
      if (this.responses.pending()) return;
      // A blocking wait first (the event loop stands still for at most
      // syncMs): a thread woken from Atomics.wait runs at once, while one
      // woken from waitAsync waits for its event loop to take the wake-up.
      if (syncMs > 0 && Atomics.wait(this.control, Ctl.ResponseBell, seen, syncMs) !== 'timed-out') return;
      const w = Atomics.waitAsync(this.control, Ctl.ResponseBell, seen, timeoutMs);
      if (w.async) await w.value;
    } finally {
      Atomics.store(this.control, Ctl.ThreadWaits, Waits.Working);
    }
  }
}

/** Kernel doorbell words (Int32 indexes), a cache line each; the dirty bitmap follows. */
const Bell = {
  Count: 0,
  /** What the kernel thread is doing: Waits.Parked while it waits on Count. */
  KernelWaits: LINE,
  /** Task threads spinning for answers right now. */
  Spinners: 2 * LINE,
  Dirty: 3 * LINE,
} as const;

/** The doorbell task threads ring to tell the kernel which channels have requests. */
export class KernelBell {
  readonly words: Int32Array;
  readonly channels: number;
  /** Bitmap words the kernel scans: enough for the highest channel in use. */
  private scanWords = 1;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.channels = (this.words.length - Bell.Dirty) * 32;
  }

  /** Kernel: channel `index` is in use, so scans must reach it. */
  use(index: number): void {
    this.scanWords = Math.max(this.scanWords, (index >>> 5) + 1);
  }

  static create(channels: number): KernelBell {
    return new KernelBell(new SharedArrayBuffer((Bell.Dirty + Math.ceil(channels / 32)) * 4));
  }

  /** Task thread: marks its channel dirty and wakes the kernel if it sleeps. */
  ring(channel: number): void {
    Atomics.or(this.words, Bell.Dirty + (channel >>> 5), 1 << (channel & 31));
    Atomics.add(this.words, Bell.Count, 1);
    if (Atomics.load(this.words, Bell.KernelWaits) === Waits.Parked) Atomics.notify(this.words, Bell.Count, 1);
  }

  /** What the kernel thread is doing (Waits). */
  kernelWaits(): number {
    return Atomics.load(this.words, Bell.KernelWaits);
  }

  /** Kernel: says it spins (Waits.Spinning) or works (Waits.Working). */
  setKernelWaits(waits: number): void {
    Atomics.store(this.words, Bell.KernelWaits, waits);
  }

  count(): number {
    return Atomics.load(this.words, Bell.Count);
  }

  /**
   * Task thread: spins until `done()` or `budgetMs`, unless `limit` threads
   * already spin. Threads that outnumber cores must not all spin: a spinning
   * thread holds a core the thread that has the answer's work may need.
   */
  spinShared(done: () => boolean, budgetMs: number, limit: number, stalled?: Stalled): Spin {
    if (Atomics.add(this.words, Bell.Spinners, 1) >= limit) {
      Atomics.sub(this.words, Bell.Spinners, 1);
      return done() ? Spin.Done : Spin.Skipped;
    }
    try {
      return spinUntil(done, budgetMs, stalled);
    } finally {
      Atomics.sub(this.words, Bell.Spinners, 1);
    }
  }

  /** Wakes the kernel whatever it is doing (used to stop its loop). */
  wakeKernel(): void {
    Atomics.add(this.words, Bell.Count, 1);
    Atomics.notify(this.words, Bell.Count);
  }

  /** Kernel: takes the set of dirty channels, clearing it, into `out`. */
  takeDirty(out: number[]): number[] {
    out.length = 0;
    for (let w = 0; w < this.scanWords; w++) {
      if (Atomics.load(this.words, Bell.Dirty + w) === 0) continue;
      let bits = Atomics.exchange(this.words, Bell.Dirty + w, 0);
      while (bits !== 0) {
        const low = bits & -bits;
        out.push((w << 5) + (31 - Math.clz32(low)));
        bits ^= low;
      }
    }
    return out;
  }

  /**
   * Kernel: waits until the count moves from `seen`, blocking for the first
   * `syncMs` (a thread woken from Atomics.wait runs at once; one woken from
   * waitAsync first waits for its event loop), then without blocking its
   * event loop.
   */
  async park(seen: number, timeoutMs: number, stillIdle: () => boolean, syncMs = 0): Promise<void> {
    Atomics.store(this.words, Bell.KernelWaits, Waits.Parked);
    try {
      if (!stillIdle()) return;
      if (syncMs > 0 && Atomics.wait(this.words, Bell.Count, seen, syncMs) !== 'timed-out') return;
      const w = Atomics.waitAsync(this.words, Bell.Count, seen, timeoutMs);
      if (w.async) await w.value;
    } finally {
      Atomics.store(this.words, Bell.KernelWaits, Waits.Working);
    }
  }
}
