// Traces in the Chrome trace event format (which Perfetto and
// chrome://tracing read): a track per thread and per task, a slice per system
// call (its capability, operation and result), flow arrows from each send to
// the receive that took it, and counters for free pages and blocked tasks.
// Times are the kernel thread's clock, in microseconds.

import { errnoName, opName } from '../../abi.ts';
import type { Channel } from '../../ipc/channel.ts';
import type { Kernel } from '../kernel.ts';
import type { TaskEntries } from './task-entries.ts';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: string;
  args?: Record<string, unknown>;
}

const PID = 1;
const KERNEL_TRACK = 1;
const THREAD_TRACK = 1000;
const TASK_TRACK = 100_000;
/** Beyond this many events the trace stops growing (and says so). */
const MAX_EVENTS = 2_000_000;

export class Tracer {
  private readonly events: TraceEvent[] = [];
  private readonly start = performance.now();
  private flows = 0;
  private dropped = 0;
  private lastCounters = -Infinity;

  constructor() {
    this.meta(KERNEL_TRACK, 'kernel thread');
  }

  /** A tracer of the kernel loop that owns `channels` and `tasks`: a track per channel, and a flow per message. */
  static attach(kernel: Kernel, channels: ReadonlyArray<Channel | undefined>, tasks: TaskEntries): Tracer {
    const tracer = new Tracer();
    for (const channel of channels) if (channel) tracer.channelTrack(channel.index, false);
    kernel.watchDeliveries((from, to) => {
      const a = tasks.atPage(from);
      const b = tasks.atPage(to);
      if (a && b) tracer.flow(a.tid, b.tid);
    });
    return tracer;
  }

  now(): number {
    return (performance.now() - this.start) * 1000;
  }

  private push(event: TraceEvent): void {
    if (this.events.length < MAX_EVENTS) this.events.push(event);
    else this.dropped++;
  }

  private meta(tid: number, name: string): void {
    this.push({ name: 'thread_name', ph: 'M', ts: 0, pid: PID, tid, args: { name } });
  }

  channelTrack(index: number, dedicated: boolean): void {
    this.meta(THREAD_TRACK + index, dedicated ? `dedicated thread (channel ${index})` : `pooled thread ${index}`);
  }

  taskTrack(tid: number, phys: number, thread: string): void {
    this.meta(TASK_TRACK + tid, `task 0x${phys.toString(16)} (${thread})`);
  }

  /** A system call, from when the kernel took it to when it answered it. */
  call(tid: number, start: number, request: unknown, errno: number): void {
    const r = typeof request === 'object' && request !== null ? (request as { op?: unknown; cap?: unknown }) : {};
    const op = typeof r.op === 'number' ? opName(r.op) : 'malformed';
    const result = errno === 0 ? 'OK' : errno < 0 ? 'killed' : (errnoName(errno) ?? String(errno));
    const now = this.now();
    this.push({ name: op, cat: 'syscall', ph: 'X', ts: start, dur: Math.max(0.1, now - start), pid: PID, tid: TASK_TRACK + tid, args: { cap: r.cap, result } });
  }

  /** A pass of the kernel loop over the channels that had requests. */
  pass(start: number, frames: number, channels: number[]): void {
    const now = this.now();
    this.push({ name: 'pass', cat: 'kernel', ph: 'X', ts: start, dur: Math.max(0.1, now - start), pid: PID, tid: KERNEL_TRACK, args: { frames } });
    for (const index of channels) {
      this.push({ name: 'batch', cat: 'thread', ph: 'X', ts: start, dur: Math.max(0.1, now - start), pid: PID, tid: THREAD_TRACK + index });
    }
  }

  /** A message went from one task to another: an arrow from the send to the receive. */
  flow(fromTid: number, toTid: number): void {
    const id = ++this.flows;
    const ts = this.now();
    this.push({ name: 'message', cat: 'ipc', ph: 's', id, ts, pid: PID, tid: TASK_TRACK + fromTid });
    this.push({ name: 'message', cat: 'ipc', ph: 'f', bp: 'e', id, ts, pid: PID, tid: TASK_TRACK + toTid });
  }

  /** Counters, at most once a millisecond. */
  counters(freePages: () => number, blockedTasks: () => number): void {
    const ts = this.now();
    if (ts - this.lastCounters < 1000) return;
    this.lastCounters = ts;
    this.push({ name: 'free pages', ph: 'C', ts, pid: PID, tid: KERNEL_TRACK, args: { free: freePages() } });
    this.push({ name: 'blocked tasks', ph: 'C', ts, pid: PID, tid: KERNEL_TRACK, args: { blocked: blockedTasks() } });
  }

  /** The trace as a JSON document. */
  json(): string {
    const metadata = { dropped: this.dropped, source: 'caduceus' };
    return JSON.stringify({ traceEvents: this.events, displayTimeUnit: 'ns', otherData: metadata });
  }
}
