// The kernel thread's entry: it builds the core and its loop, wires them to
// the thread launcher, starts init, and serves the host's control plane over
// comlink. Events for the host (Console lines, init's exit) go on a plain
// MessagePort the host handed over. A system can be halted and another
// booted in its place on the same task threads (src/host/machine.ts): each
// gets a fresh core and memory, and its events carry its number.

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { serialize } from 'node:v8';
import * as Comlink from 'comlink';
import { PAGE_SIZE, pageOf } from '../abi.ts';
import { Channel, KernelBell } from '../ipc/channel.ts';
import { nodeEndpoint } from '../ipc/control-port.ts';
import type { HostEvent } from '../ipc/protocol.ts';
import { bootKernel } from '../kernel/boot-kernel.ts';
import { kernelStats, takeSnapshot } from '../kernel/snapshot.ts';
import { KernelLoop, type Outlet } from '../kernel/thread/loop.ts';
import { sample, type SampleParts, type SteerAction, steer } from '../kernel/thread/sampler.ts';
import { ThreadLauncher } from '../workers/launcher.ts';
import { flushStdio } from '../workers/stdio.ts';
import type { BootConfig } from './options.ts';
import { HostSockets } from './sockets.ts';

/** Channels for dedicated threads, beyond the pooled ones. */
const MAX_CHANNELS = 4096;
/** How long halt() waits for every task's thread work to end. */
const HALT_MS = 3_000;

/** The task threads, kept from one system to the next on this kernel thread (src/host/machine.ts). */
interface Threads {
  launcher: ThreadLauncher;
  bell: KernelBell;
  pooled: Channel[];
  /** The tid the next system's loop starts at: a late frame of an earlier system's task names no task of this one. */
  nextTid: number;
  /** A halt left tasks running: no system may be booted on these threads again. */
  spoilt: boolean;
  /** The physical memory of the system before, for the next of the same size. */
  memory?: SharedArrayBuffer;
}

const events = (workerData as { events: MessagePort }).events;
let threads: Threads | undefined;
let loop: KernelLoop | undefined;
/** The running system's sockets, when boot granted a Net cap. */
let sockets: HostSockets | undefined;
/** The number of the system booted last: its events carry it, so the host can tell them from an earlier system's. */
let system = 0;
/** Set while the running system is halted: what it does is no longer reported. */
let halting = false;
let stopping: Promise<void> | undefined;

function post(event: HostEvent): void {
  events.postMessage(event);
}

function startThreads(count: number): Threads {
  const bell = KernelBell.create(MAX_CHANNELS);
  const pooled = Array.from({ length: count }, (_, i) => Channel.create(i));
  const launcher = new ThreadLauncher({
    threads: count,
    channels: pooled.map((c) => c.buffer),
    bell: bell.buffer,
    // Between systems no loop owns the channels: free a dead thread's here.
    threadGone: (threadId) => {
      if (loop) return loop.threadGone(threadId);
      for (const channel of pooled) if (channel.owner() === threadId) channel.reset();
      return undefined;
    },
  });
  return { launcher, bell, pooled, nextTid: 1, spoilt: false };
}

/** Ends every socket of the running system: the core forgets them, the host closes them. */
function closeSockets(): void {
  loop?.kernel.net.closeAll();
  sockets?.closeAll();
  sockets = undefined;
}

const control = {
  /**
   * Boots the core and starts init, on the task threads of the system
   * before it when there was one; rejects (changing nothing that lasts) on
   * a bad configuration. `number` names the system in its events: the
   * host's count of its boots on this thread.
   */
  boot(config: BootConfig, number: number): { pages: number; regions: number[] } {
    if (loop) throw new Error('already booted: halt the running system first');
    if (threads && (threads.spoilt || threads.pooled.length !== config.threads)) throw new Error('these task threads cannot take this system');
    // The memory of the system before is used again, as it was left, as a
    // machine's RAM is after a reboot: the kernel zeroes every object it
    // makes (and every area's metadata), so no program can see what an
    // earlier one left. A new buffer each time would be zero for free, but
    // each is freed only when every thread that held it collects its
    // garbage, which an idle thread may not do for thousands of systems.
    const reused = threads?.memory?.byteLength === config.pages * PAGE_SIZE ? threads.memory : undefined;
    const { kernel, init, bootInfo } = bootKernel({ pages: config.pages, regions: config.regions, argv: config.argv, buffer: reused, net: config.net });
    threads ??= startThreads(config.threads);
    threads.memory = kernel.core.phys.buffer;
    system = number;
    halting = false;
    // Once shutdown or a halt begins, tasks end because they are stopped,
    // not because they failed: those endings are not reported.
    const reporting = () => number === system && !halting && !stopping;
    const outlet: Outlet = {
      print: (text, task) => {
        if (number === system) post({ kind: 'print', text, task, system: number });
      },
      exit: (status) => {
        if (reporting()) post({ kind: 'exit', ...status, system: number });
      },
      unheard: (task, fault) => {
        if (reporting()) post({ kind: 'unheard', task, fault, system: number });
      },
    };
    const running = new KernelLoop(kernel, threads.launcher, outlet, threads.bell, threads.pooled, threads.nextTid);
    loop = running;
    if (config.net.length > 0) {
      sockets = new HostSockets(kernel.net, () => running.outside());
      kernel.net.attach(sockets);
    }
    loop.startInit(init);
    // The inspector shows the state as init exits once the run is over.
    loop.snapshotAtInitExit = config.snapshotAtExit || config.inspect !== undefined;
    loop.bootAreas = bootInfo.memory.map((m) => pageOf(m.phys));
    if (config.trace) loop.startTrace();
    if (config.schedule) loop.control(config.schedule);
    if (config.schedule && config.inspect?.paused) steer(loop, { action: 'pause' });
    loop.launch(init, config.initUrl, serialize(bootInfo), 'pool');
    loop.run();
    return { pages: config.pages, regions: bootInfo.memory.map((m) => m.pages) };
  },

  /**
   * Ends the running system and keeps the task threads for the next: every
   * task is killed, and once each one's thread work is over the loop stops.
   * False when some task's work did not end within HALT_MS (a pooled task
   * that keeps calling after it was killed, or waits on a long timer): the
   * threads are then spoilt, and the host starts fresh ones.
   */
  async halt(): Promise<boolean> {
    if (!loop || !threads) return true;
    halting = true;
    closeSockets();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), HALT_MS)));
    const ended = await Promise.race([loop.abandon().then(() => true), late]);
    clearTimeout(timer);
    await loop.stop();
    threads.nextTid = loop.nextTid();
    threads.spoilt ||= !ended;
    loop = undefined;
    return ended;
  },

  /** `gc`: collect garbage first, where V8's gc is exposed. */
  stats(gc = false) {
    if (!loop) throw new Error('not booted');
    const collect = (globalThis as { gc?: () => void }).gc;
    const collected = gc && typeof collect === 'function';
    if (collected) collect();
    return { ...kernelStats(loop.kernel), net: { ...loop.kernel.net.counts(), ...(sockets?.open() ?? { servers: 0, sockets: 0 }) }, heap: { kernel: process.memoryUsage().heapUsed, collected }, loop: { ...loop.counts, tasks: loop.taskCount() }, threads: threads?.launcher.threadCount() ?? { pooled: 0, dedicated: 0, spare: 0, reused: 0, replaced: 0, jobsInFlight: 0 } };
  },

  /**
   * The inspector's sample (src/kernel/thread/sampler.ts), serialized here
   * so that `cost` counts all the kernel thread spends on it, in ms.
   */
  sample(parts: SampleParts, decisionsFrom: number): { bytes: Uint8Array; cost: number } {
    if (!loop) throw new Error('not booted');
    const start = performance.now();
    const bytes = serialize(sample(loop, parts, decisionsFrom));
    return { bytes, cost: performance.now() - start };
  },

  /** Pauses, frees or steps a controlled run for the inspector; where it then stands. */
  steer(how: SteerAction, decisionsFrom: number) {
    if (!loop) throw new Error('not booted');
    return steer(loop, how, decisionsFrom);
  },

  /** The trace recorded since boot (Chrome trace JSON), or null when boot did not ask for one. */
  trace(): string | null {
    return loop?.trace() ?? null;
  },

  check() {
    if (!loop) throw new Error('not booted');
    const violations = loop.kernel.check();
    return { ok: violations.length === 0, violations };
  },

  snapshot() {
    if (!loop) throw new Error('not booted');
    return takeSnapshot(loop.kernel);
  },

  deadlocks() {
    if (!loop) throw new Error('not booted');
    return loop.kernel.deadlocks();
  },

  /** Stops the loop and every task thread. */
  shutdown(): Promise<void> {
    stopping ??= (async () => {
      closeSockets();
      await loop?.stop();
      await threads?.launcher.close();
      // What the task threads wrote has reached this thread; pass it on to the host before it terminates us.
      await flushStdio();
      events.close();
    })();
    return stopping;
  },
};

export type KernelControl = typeof control;

if (!parentPort) throw new Error('the kernel thread must run in a worker');
Comlink.expose(control, nodeEndpoint(parentPort));
