// The kernel thread's loop. It owns the core and every channel: it drains the
// channels the doorbell marks, decides each call in the core, carries out
// the effects (answers to blocked calls, starts, kills, prints, exits), and
// publishes the answers of a pass together, waking only the threads that got
// one. When nothing arrives it spins briefly, then parks on the doorbell
// without blocking its event loop (the host's control plane runs there).

import { type Channel, type KernelBell, SpinBudget, spinUntil, turn } from '../../ipc/channel.ts';
import type { Fault, Launcher, TaskJob } from '../../ipc/protocol.ts';
import { keepRequest, Status } from '../../ipc/wire.ts';
import { Op } from '../../abi.ts';
import type { Effect, Kernel, SyscallResult } from '../kernel.ts';
import { type Snapshot, takeSnapshot } from '../snapshot.ts';
import { type ControlOptions, ControlledMode, type ScheduleRecord, type Stepper } from './controlled.ts';
import type { DeadlockedTask } from '../deadlock.ts';
import { LoopChannels } from './loop-channels.ts';
import { TaskEndings } from './sampler.ts';
import { type TaskEntry, TaskEntries } from './task-entries.ts';
import { Tracer } from './trace.ts';

/** Where the host hears what happens. */
export interface Outlet {
  print(text: string, task: number): void;
  exit(status: { code: number; value?: Uint8Array; fault?: Fault; snapshot?: Snapshot; schedule?: ScheduleRecord; deadlocked?: DeadlockedTask[] }): void;
  /** A task other than init faulted with no fault Endpoint to hear it. */
  unheard(task: number, fault: Fault): void;
}

/** How long the loop spins for more work before it parks, at most and at least (a SpinBudget). */
const SPIN_MS = 0.2;
const MIN_SPIN_MS = 0.01;
/** How long the loop may serve calls without a turn of its event loop. */
const TURN_EVERY_MS = 2;

export class KernelLoop implements Stepper {
  private readonly channels: LoopChannels;
  private readonly tasks: TaskEntries;
  private readonly dirty: number[] = [];
  private readonly spinBudget = new SpinBudget(SPIN_MS, MIN_SPIN_MS);
  private running = false;
  private stopped: Promise<void> | null = null;
  initPage = 0;
  /** Records a trace when set (see trace()). */
  private tracer: Tracer | null = null;
  /** The boot Memory areas (first pages), whose free pages the trace counts. */
  bootAreas: number[] = [];
  /** Take a snapshot as init exits, before its world is reclaimed. */
  snapshotAtInitExit = false;
  private initSnapshot: Snapshot | undefined;
  /** Controlled mode's state, when the run is controlled (see control()). */
  private controlled: ControlledMode | null = null;
  private whenIdle: (() => void) | null = null;
  /** Counters for stats(); `woken`: blocked calls answered. */
  readonly counts = { passes: 0, parks: 0, frames: 0, killed: 0, woken: 0 };
  /** The clock (performance.now()) at the start of the pass under way: the inspector's times. */
  now = performance.now();
  /** Tasks that ended lately, for the inspector. */
  readonly endings = new TaskEndings();

  constructor(
    readonly kernel: Kernel,
    private readonly launcher: Launcher,
    private readonly outlet: Outlet,
    readonly bell: KernelBell,
    pooled: Channel[],
    /** The first tid: a loop after another on the same threads starts past the earlier one's. */
    firstTid = 1,
  ) {
    this.channels = new LoopChannels(bell, pooled);
    this.tasks = new TaskEntries(firstTid);
  }

  /** Starts recording a trace. */
  startTrace(): void {
    this.tracer = Tracer.attach(this.kernel, this.channels.all, this.tasks);
  }

  /** The trace recorded so far, as Chrome trace JSON; null when not tracing. */
  trace(): string | null {
    return this.tracer?.json() ?? null;
  }

  /** A task thread is gone (LoopChannels.threadGone): what its tasks are told, if it was a process.exit(). */
  threadGone(threadId: number): Fault | undefined {
    return this.channels.threadGone(threadId, this.tasks);
  }

  /** Makes the run controlled: one task runs its own code at a time, in the schedule's order. Before init is launched. */
  control(options: ControlOptions): void {
    this.controlled = new ControlledMode(this.kernel, this, options);
  }

  /** Names init's Task: its exit ends the system's run (see Outlet.exit). */
  startInit(page: number): void {
    this.initPage = page;
  }

  /** Runs the loop until stop(). */
  run(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = this.serve();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.bell.wakeKernel();
    await this.stopped;
  }

  private async serve(): Promise<void> {
    let nextTurn = performance.now() + TURN_EVERY_MS;
    while (this.running) {
      const seen = this.bell.count();
      if (this.pass()) {
        // While busy, let the event loop (the control plane, thread exits) run now and then.
        if (this.now > nextTurn) {
          await turn();
          nextTurn = performance.now() + TURN_EVERY_MS;
        }
        continue;
      }
      if (this.channels.waiting) {
        // Answers wait for room in a thread's full response ring: keep
        // offering them (the thread drains its ring as it runs) and never park.
        this.channels.publish();
        await turn();
        continue;
      }
      // Spin: a call arriving now is served without a wake-up.
      if (spinUntil(() => this.bell.count() !== seen, this.spinBudget.ms)) {
        this.spinBudget.paid();
        continue;
      }
      this.spinBudget.missed();
      this.counts.parks++;
      const parked = performance.now();
      await this.bell.park(seen, 1000, () => this.running);
      const woke = performance.now();
      // Woken within a full budget: a longer spin would have caught the work.
      if (woke - parked < SPIN_MS) this.spinBudget.paid();
      nextTurn = woke + TURN_EVERY_MS;
    }
  }

  /** One pass over the channels with requests; true if any frame was served. */
  pass(): boolean {
    this.counts.passes++;
    this.now = performance.now();
    const start = this.tracer?.now() ?? 0;
    let frames = 0;
    for (const index of this.bell.takeDirty(this.dirty)) {
      this.serving = index;
      frames += this.channels.read(index, this.serveCall);
    }
    this.counts.frames += frames;
    this.applyEffects();
    this.controlled?.decide();
    this.channels.publish();
    if (this.tracer && frames > 0) {
      this.tracer.pass(start, frames, this.dirty);
      this.tracer.counters(
        () => this.kernel.freePagesOf(this.bootAreas),
        () => this.kernel.blockedTasks(),
      );
    }
    return frames > 0;
  }

  /** The channel whose frames are being served (serveCall's context, saving a closure per pass). */
  private serving = 0;

  private readonly serveCall = (tid: number, seq: number, request: unknown): void => {
    const channel = this.serving;
    const entry = this.tasks.withTid(tid);
    // Not a task of this thread: no authority to act, nothing to answer.
    if (entry === undefined || (entry.channel !== -1 && entry.channel !== channel)) return;
    if (entry.killed || entry.exited) return this.answer(channel, tid, seq, Status.Killed, undefined);
    if (entry.channel === -1) entry.channel = channel;
    entry.calls++;
    entry.lastCall = this.now;
    if (this.controlled) {
      keepRequest(request); // parked until the schedule picks it
      // Not counted blocked: the thread spins for its answer, which comes
      // as soon as no task runs (at once, when the thread runs no other).
      this.waitIn(entry, seq, false);
      this.controlled.park(entry, seq, request);
      return;
    }
    this.perform(entry, seq, request);
  };

  /** Decides a call in the core: its answer now, or null when the task blocks in it. */
  perform(entry: TaskEntry, seq: number, request: unknown): SyscallResult | null {
    if (entry.page === this.initPage && isExit(request)) this.beforeInitExits();
    const start = this.tracer?.now() ?? 0;
    const result = this.kernel.invoke(entry.page, request);
    if (result === null) {
      keepRequest(request); // the kernel holds the call until it is answered
      this.waitIn(entry, seq);
      entry.traceStart = start;
      entry.traceRequest = request;
    } else {
      this.tracer?.call(entry.tid, start, request, result.errno);
      this.waitIn(entry, -1);
      this.reply(entry, seq, result);
    }
    // At once, not after the pass: a call can end or kill a task (even this
    // one), and the next frame of the same drain must already know.
    if (this.kernel.hasEffects()) this.applyEffects();
    return result;
  }

  /** Writes the answer of the call a task is blocked in. */
  resume(entry: TaskEntry, result: SyscallResult): void {
    const seq = entry.seq;
    this.counts.woken++;
    this.waitIn(entry, -1);
    this.tracer?.call(entry.tid, entry.traceStart, entry.traceRequest, result.errno);
    this.reply(entry, seq, result);
  }

  /** Ends a controlled run that failed, as if init had exited with the failure. */
  fail(fault: Fault, deadlocked?: DeadlockedTask[]): void {
    const snapshot = this.snapshotAtInitExit ? takeSnapshot(this.kernel) : undefined; // the state it failed in
    this.outlet.exit({ code: 1, fault, schedule: this.controlled?.record(), deadlocked, snapshot });
  }

  /**
   * Records the call a task waits in (`seq`, or -1 for none), and keeps its
   * thread's count of calls blocked in the kernel, which the thread reads
   * to park at once instead of spinning for an answer that is not near.
   */
  private waitIn(entry: TaskEntry, seq: number, blocked = seq >= 0): void {
    if (blocked !== entry.blocked) this.channels.countBlocked(entry.channel, blocked ? 1 : -1);
    entry.blocked = blocked;
    entry.seq = seq;
    if (seq >= 0) entry.since = this.now;
  }

  private reply(entry: TaskEntry, seq: number, result: SyscallResult): void {
    if (result.errno !== 0) entry.errors++;
    if (entry.channel < 0) return;
    this.answer(entry.channel, entry.tid, seq, result.errno, result.value);
  }

  private answer(channel: number, tid: number, seq: number, status: number, value: unknown): void {
    this.channels.answer(channel, tid, seq, status, value);
  }

  /** Carries out what a socket's event made the core decide, and publishes it (LoopChannels.publishSoon). */
  outside(): void {
    this.applyEffects();
    this.channels.publishSoon();
  }

  /** Carries out what the core's decisions imply. */
  applyEffects(): void {
    for (let effects = this.kernel.takeEffects(); effects.length > 0; effects = this.kernel.takeEffects()) {
      for (const effect of effects) this.apply(effect);
    }
  }

  private apply(effect: Effect): void {
    switch (effect.kind) {
      case 'answer': {
        const entry = this.tasks.atPage(effect.task);
        if (entry && entry.seq >= 0) {
          if (this.controlled) this.controlled.hold(entry, effect.result);
          else this.resume(entry, effect.result);
        }
        return;
      }
      case 'start':
        this.launch(effect.task, effect.program, effect.arg, effect.thread);
        return;
      case 'kill':
        this.kill(effect.task);
        return;
      case 'print':
        this.outlet.print(effect.text, this.tasks.addressOf(effect.task));
        return;
      case 'exit': {
        const entry = this.tasks.atPage(effect.task);
        const address = this.tasks.addressOf(effect.task);
        if (entry) {
          // The call it was held in ends with it (an exit made while suspended waits for nothing more).
          if (entry.seq >= 0 && entry.channel >= 0) this.answer(entry.channel, entry.tid, entry.seq, Status.Ok, undefined);
          entry.exited = true;
          this.waitIn(entry, -1);
          this.tasks.leavePage(entry);
          this.controlled?.gone(entry);
        }
        this.endings.note(address, effect.code, effect.fault, this.now);
        if (effect.task === this.initPage) {
          this.controlled?.finish();
          this.outlet.exit({ code: effect.code, value: effect.value, fault: effect.fault, snapshot: this.initSnapshot, schedule: this.controlled?.record() });
        } else if (effect.fault && !effect.heard) {
          this.outlet.unheard(address, effect.fault);
        }
        return;
      }
    }
  }

  /** Starts the program of a task the core has made ready. */
  launch(page: number, program: string, arg: Uint8Array | undefined, thread: 'pool' | 'dedicated'): void {
    const entry = this.tasks.add(page, thread, this.now);
    this.controlled?.launched(entry);
    this.tracer?.taskTrack(entry.tid, entry.address, thread);
    const job: TaskJob = { tid: entry.tid, program, arg, thread, init: page === this.initPage, memory: this.kernel.core.phys.buffer, seed: this.controlled?.taskSeed(entry) };
    if (thread === 'dedicated') {
      const channel = this.channels.openDedicated();
      if (channel === undefined) {
        this.threadEnded(entry, { name: 'Error', message: 'no channel left for another dedicated thread' });
        return;
      }
      this.tracer?.channelTrack(channel.index, true);
      entry.channel = channel.index;
      job.channel = { index: channel.index, buffer: channel.buffer };
    }
    this.launcher.start(job, (error) => this.threadEnded(entry, error));
    if (thread === 'pool') this.channels.nudgePooled();
  }

  /** A task's thread work is over; if the kernel never saw it exit, it faulted. */
  private threadEnded(entry: TaskEntry, error?: Fault): void {
    if (!entry.exited && !entry.killed && this.kernel.isLiveTask(entry.page)) {
      const fault = error ?? { name: 'Error', message: 'the task ended without telling the kernel' };
      if (entry.page === this.initPage) this.beforeInitExits();
      this.kernel.invoke(entry.page, { op: Op.Exit, code: 1, fault });
      this.applyEffects();
    }
    this.tasks.drop(entry);
    if (this.tasks.size === 0) this.whenIdle?.();
    this.controlled?.gone(entry);
    this.controlled?.decide();
    this.channels.publish();
    if (entry.thread === 'dedicated' && entry.channel >= 0) this.channels.closeDedicated(entry.channel);
  }

  private kill(page: number): void {
    const entry = this.tasks.atPage(page);
    if (!entry) return;
    this.end(entry);
    if (page === this.initPage) {
      this.outlet.exit({ code: 137, fault: { name: 'Killed', message: "init's Task object was destroyed" } });
    }
  }

  /** Ends a task for good: its call is answered Killed and its thread told. */
  private end(entry: TaskEntry): void {
    this.counts.killed++;
    entry.killed = true;
    this.tasks.leavePage(entry);
    this.controlled?.gone(entry);
    if (entry.seq >= 0 && entry.channel >= 0) this.answer(entry.channel, entry.tid, entry.seq, Status.Killed, undefined);
    this.waitIn(entry, -1);
    this.launcher.killed(entry.tid, entry.address);
  }

  /**
   * Ends every task, for a system to follow this one on the same threads
   * (Outlet calls are the caller's to silence). Resolves once no task has
   * thread work left; the loop serves meanwhile, answering late calls Killed.
   */
  abandon(): Promise<void> {
    this.controlled?.finish();
    for (const entry of this.tasks.all()) if (!entry.killed && !entry.exited) this.end(entry);
    this.channels.publish();
    return new Promise((resolve) => {
      this.whenIdle = resolve;
      if (this.tasks.size === 0) resolve();
    });
  }

  /** The tid the next loop on these threads starts at. */
  nextTid(): number {
    return this.tasks.nextTid;
  }

  private beforeInitExits(): void {
    if (this.snapshotAtInitExit && this.initSnapshot === undefined) this.initSnapshot = takeSnapshot(this.kernel);
  }

  /** Tasks known to the loop, for stats. */
  taskCount(): number {
    return this.tasks.size;
  }

  /** What the inspector reads and steers (sampler.ts): the tasks, the channels, controlled mode. */
  inspection() {
    return { tasks: this.tasks, channels: this.channels, controlled: this.controlled };
  }
}

function isExit(request: unknown): boolean {
  return typeof request === 'object' && request !== null && (request as { op?: unknown }).op === Op.Exit;
}
