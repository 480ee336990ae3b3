// The kernel loop's channels: one per pooled thread, made at boot, and one
// per dedicated task, made at its launch and freed at its end. Each has the
// reader of its requests and the writer of its answers; the channels that got
// answers in a pass are woken together when the pass publishes them.

import { Channel, type KernelBell } from '../../ipc/channel.ts';
import type { Fault } from '../../ipc/protocol.ts';
import { type FrameWriter, RequestReader, responseWriter } from '../../ipc/wire.ts';
import type { TaskEntries } from './task-entries.ts';

/** The channel of a task whose pooled thread is gone: no answer is written for it. */
export const LOST = -2;

const DEDICATED_RING_BYTES = 1 << 16;

export class LoopChannels {
  /** By index: channels 0 .. pooled - 1 are the pooled threads'. */
  readonly all: Array<Channel | undefined> = [];
  private readonly writers: Array<FrameWriter | undefined> = [];
  private readonly readers: Array<RequestReader | undefined> = [];
  private readonly free: number[] = [];
  /** Channels with answers written and not yet published. */
  private readonly touched = new Set<number>();
  readonly pooled: number;
  /** Task threads woken from a park by an answer (the inspector's counter). */
  wakeups = 0;
  /** Parks counted on channels since reset or closed. */
  private parksBefore = 0;

  constructor(
    private readonly bell: KernelBell,
    pooled: Channel[],
  ) {
    for (const channel of pooled) this.add(channel);
    for (let i = bell.channels - 1; i >= pooled.length; i--) this.free.push(i);
    this.pooled = pooled.length;
  }

  private add(channel: Channel): void {
    this.bell.use(channel.index);
    this.all[channel.index] = channel;
    this.writers[channel.index] = responseWriter(channel);
    this.readers[channel.index] = new RequestReader(channel);
  }

  /** Serves the requests waiting on channel `index`; the number of frames. */
  read(index: number, serve: (tid: number, seq: number, request: unknown) => void): number {
    return this.readers[index]?.read(serve) ?? 0;
  }

  answer(index: number, tid: number, seq: number, status: number, value: unknown): void {
    const writer = this.writers[index];
    if (!writer) return;
    writer.response(tid, seq, status, value);
    this.touched.add(index);
  }

  /** Publishes the answers written: a wake-up per thread that got any. */
  publish(): void {
    for (const index of this.touched) {
      this.writers[index]?.retry();
      if (this.all[index]?.wakeThread()) this.wakeups++;
      if ((this.writers[index]?.waiting ?? 0) === 0) this.touched.delete(index);
    }
  }

  private publishing = false;

  /**
   * Publishes once the event loop has run every event ready now
   * (setImmediate follows the poll phase): the answers that many sockets'
   * events decided cost one wake-up per thread, not one per event.
   */
  publishSoon(): void {
    if (this.publishing) return;
    this.publishing = true;
    setImmediate(() => {
      this.publishing = false;
      this.publish();
    });
  }

  /** True while answers wait for room in a thread's full response ring. */
  get waiting(): boolean {
    return this.touched.size > 0;
  }

  /**
   * Wakes the pooled threads that park blocking their event loops: a job
   * just posted to one of them (a task start) is a message its event loop
   * must take, and the thread would otherwise see it only when its blocking
   * park ends.
   */
  nudgePooled(): void {
    for (let i = 0; i < this.pooled; i++) this.all[i]?.wakeThread();
  }

  countBlocked(index: number, delta: 1 | -1): void {
    if (index >= 0) this.all[index]?.countBlocked(delta);
  }

  /** A channel for a dedicated task, or undefined when none is left. */
  openDedicated(): Channel | undefined {
    const index = this.free.pop();
    if (index === undefined) return undefined;
    const channel = Channel.create(index, DEDICATED_RING_BYTES);
    this.add(channel);
    return channel;
  }

  /** How many times task threads have parked for answers, on every channel so far. */
  threadParks(): number {
    let parks = this.parksBefore;
    for (const channel of this.all) parks += channel?.parks() ?? 0;
    return parks;
  }

  closeDedicated(index: number): void {
    this.parksBefore += this.all[index]?.parks() ?? 0;
    this.all[index] = undefined;
    this.writers[index] = undefined;
    this.readers[index] = undefined;
    this.free.push(index);
  }

  /** A pooled channel whose thread is gone, made ready for the thread that replaces it. */
  resetPooled(index: number): void {
    this.parksBefore += this.all[index]?.parks() ?? 0;
    this.all[index]?.reset();
    // Answers still waiting for room were for the dead thread's tasks.
    const channel = this.all[index];
    if (channel) this.writers[index] = responseWriter(channel);
    this.touched.delete(index);
  }

  /**
   * A task thread is gone: its tasks get no more answers (their jobs fail on
   * their own, and they fault), and a pooled thread's channel is freed for
   * the thread that replaces it. Returns what its tasks are told when a
   * task's process.exit() ended the thread.
   */
  threadGone(threadId: number, tasks: TaskEntries): Fault | undefined {
    let reason: Fault | undefined;
    for (const channel of this.all) {
      if (!channel || channel.owner() !== threadId) continue;
      const pooled = channel.index < this.pooled;
      const record = channel.exitRecord();
      if (record) {
        const culprit = tasks.withTid(record.tid);
        const who = culprit ? `task 0x${culprit.address.toString(16)}` : 'a task that has since ended';
        reason = { name: 'ThreadExited', message: `its ${pooled ? 'pooled' : 'dedicated'} thread exited: ${who} called process.exit(${record.code})` };
      }
      if (!pooled) continue; // a dedicated thread's channel is freed with its task
      for (const entry of tasks.all()) if (entry.channel === channel.index) entry.channel = LOST;
      this.resetPooled(channel.index);
    }
    return reason;
  }
}
