// The kernel loop's channels: one per pooled thread, made at boot, and one
// per dedicated task, made at its launch and freed at its end. Each has the
// reader of its requests and the writer of its answers; the channels that got
// answers in a pass are woken together when the pass publishes them.

import { Channel, type KernelBell } from '../../ipc/channel.ts';
import { type FrameWriter, RequestReader, responseWriter } from '../../ipc/wire.ts';

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
      this.all[index]?.wakeThread();
      if ((this.writers[index]?.waiting ?? 0) === 0) this.touched.delete(index);
    }
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

  closeDedicated(index: number): void {
    this.all[index] = undefined;
    this.writers[index] = undefined;
    this.readers[index] = undefined;
    this.free.push(index);
  }

  /** A pooled channel whose thread is gone, made ready for the thread that replaces it. */
  resetPooled(index: number): void {
    this.all[index]?.reset();
    // Answers still waiting for room were for the dead thread's tasks.
    const channel = this.all[index];
    if (channel) this.writers[index] = responseWriter(channel);
    this.touched.delete(index);
  }
}
