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
  /** 1 while the task thread is waiting on ResponseBell. */
  ThreadParked: 5 * LINE,
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
  /** Counted by the task thread: how many times it has parked (the inspector's counter). */
  Parks: 9 * LINE,
  Words: 10 * LINE,
} as const;

// Checked once at load: each control word sits on a cache line of its own
// (ExitedBy and ExitCode, written together, share one), inside the block.
{
  const lines = new Map<number, string[]>();
  for (const [name, at] of Object.entries(Ctl)) {
    if (name === 'Words') continue;
    if (at >= Ctl.Words) throw new Error(`channel layout: control word ${name} lies outside the control block`);
    lines.set(Math.floor(at / LINE), [...(lines.get(Math.floor(at / LINE)) ?? []), name]);
  }
  for (const names of lines.values()) {
    if (names.length > 1 && names.join() !== 'ExitedBy,ExitCode') throw new Error(`channel layout: ${names.join(' and ')} share a cache line`);
  }
}
const CONTROL_BYTES = Ctl.Words * 4;
export const DEFAULT_RING_BYTES = 1 << 18;

/**
 * Spins until `done()` or `budgetMs` passes, reading the clock only every 64
 * turns (a clock read that allocates, as hrtime.bigint() does, would feed the
 * garbage collector on every turn). Returns done() at the end.
 */
export function spinUntil(done: () => boolean, budgetMs: number): boolean {
  const end = performance.now() + budgetMs;
  for (let turn = 1; ; turn++) {
    if (done()) return true;
    if ((turn & 63) === 0 && performance.now() > end) return done();
  }
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
}

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

  /** Kernel: after publishing responses, wake the thread if it sleeps; true when it slept (a wake-up). */
  wakeThread(): boolean {
    Atomics.add(this.control, Ctl.ResponseBell, 1);
    if (Atomics.load(this.control, Ctl.ThreadParked) !== 1) return false;
    Atomics.notify(this.control, Ctl.ResponseBell, 1);
    return true;
  }

  /**
   * A count that moves whenever the owning thread sends a call or parks:
   * one that stands still over a while means the thread ran no task code
   * and waited for nothing all that time.
   */
  progress(): number {
    return (Atomics.load(this.control, Ctl.RequestTail) + Atomics.load(this.control, Ctl.Parks)) | 0;
  }

  /** How many times the owning threads have parked on this channel. */
  parks(): number {
    return Atomics.load(this.control, Ctl.Parks);
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
  responseBell(): number {
    return Atomics.load(this.control, Ctl.ResponseBell);
  }

  /**
   * Task thread: waits until the response bell moves from `seen`, or
   * `timeoutMs` passes: blocking for the first `syncMs`, then without
   * blocking the event loop.
   */
  async parkThread(seen: number, timeoutMs: number, syncMs = 0): Promise<void> {
    Atomics.store(this.control, Ctl.ThreadParked, 1);
    try {
      if (this.responses.pending()) return;
      Atomics.add(this.control, Ctl.Parks, 1);
      // A blocking wait first (the event loop stands still for at most
      // syncMs): a thread woken from Atomics.wait runs at once, while one
      // woken from waitAsync waits for its event loop to take the wake-up.
      if (syncMs > 0 && Atomics.wait(this.control, Ctl.ResponseBell, seen, syncMs) !== 'timed-out') return;
      const w = Atomics.waitAsync(this.control, Ctl.ResponseBell, seen, timeoutMs);
      if (w.async) await w.value;
    } finally {
      Atomics.store(this.control, Ctl.ThreadParked, 0);
    }
  }
}

/** Kernel doorbell words (Int32 indexes), a cache line each; the dirty bitmap follows. */
const Bell = {
  Count: 0,
  KernelParked: LINE,
  /** Task threads spinning for answers right now. */
  Spinners: 2 * LINE,
  /** Jobs (task starts) posted to pooled threads and not yet received by one. */
  JobsInFlight: 3 * LINE,
  Dirty: 4 * LINE,
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
    if (Atomics.load(this.words, Bell.KernelParked) === 1) Atomics.notify(this.words, Bell.Count, 1);
  }

  count(): number {
    return Atomics.load(this.words, Bell.Count);
  }

  /**
   * Task thread: spins until `done()` or `budgetMs`, unless `limit` threads
   * already spin. Threads that outnumber cores must not all spin: a spinning
   * thread holds a core the thread that has the answer's work may need.
   */
  spinShared(done: () => boolean, budgetMs: number, limit: number): boolean {
    if (Atomics.add(this.words, Bell.Spinners, 1) >= limit) {
      Atomics.sub(this.words, Bell.Spinners, 1);
      return done();
    }
    try {
      return spinUntil(done, budgetMs);
    } finally {
      Atomics.sub(this.words, Bell.Spinners, 1);
    }
  }

  /**
   * Launcher: one more (+1) job posted to a pooled thread, or one fewer
   * (-1) when a thread receives it or it is known lost. While any is in
   * flight, pooled threads park without blocking their event loops, which
   * must take the job's message.
   */
  jobsPosted(delta: 1 | -1): void {
    Atomics.add(this.words, Bell.JobsInFlight, delta);
  }

  jobsInFlight(): number {
    return Atomics.load(this.words, Bell.JobsInFlight);
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

  /** Kernel: waits without blocking its event loop until the count moves from `seen`. */
  async park(seen: number, timeoutMs: number, stillIdle: () => boolean): Promise<void> {
    Atomics.store(this.words, Bell.KernelParked, 1);
    try {
      if (!stillIdle()) return;
      const w = Atomics.waitAsync(this.words, Bell.Count, seen, timeoutMs);
      if (w.async) await w.value;
    } finally {
      Atomics.store(this.words, Bell.KernelParked, 0);
    }
  }
}
