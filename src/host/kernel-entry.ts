// The kernel thread's entry: it builds the core and its loop, wires them to
// the thread launcher, starts init, and serves the host's control plane over
// comlink. Events for the host (Console lines, init's exit) go on a plain
// MessagePort the host handed over.

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { serialize } from 'node:v8';
import * as Comlink from 'comlink';
import { pageOf } from '../abi.ts';
import { Channel, KernelBell } from '../ipc/channel.ts';
import { nodeEndpoint } from '../ipc/control-port.ts';
import type { HostEvent } from '../ipc/protocol.ts';
import { bootKernel } from '../kernel/boot-kernel.ts';
import { kernelStats, takeSnapshot } from '../kernel/snapshot.ts';
import { KernelLoop, type Outlet } from '../kernel/thread/loop.ts';
import { ThreadLauncher } from '../workers/launcher.ts';
import { flushStdio } from '../workers/stdio.ts';
import type { BootConfig } from './options.ts';

/** Channels for dedicated threads, beyond the pooled ones. */
const MAX_CHANNELS = 4096;

const events = (workerData as { events: MessagePort }).events;
let loop: KernelLoop | undefined;
let launcher: ThreadLauncher | undefined;
let stopping: Promise<void> | undefined;

function post(event: HostEvent): void {
  events.postMessage(event);
}

const control = {
  /** Boots the core and starts init; rejects (changing nothing that lasts) on a bad configuration. */
  boot(config: BootConfig): { pages: number; regions: number[] } {
    if (loop) throw new Error('already booted');
    const { kernel, init, bootInfo } = bootKernel({ pages: config.pages, regions: config.regions, argv: config.argv });
    const bell = KernelBell.create(MAX_CHANNELS);
    const pooled = Array.from({ length: config.threads }, (_, i) => Channel.create(i));
    // Once shutdown begins, threads end because they are stopped, not
    // because their tasks failed: those endings are not reported.
    const outlet: Outlet = {
      print: (text, task) => post({ kind: 'print', text, task }),
      exit: (status) => {
        if (!stopping) post({ kind: 'exit', ...status });
      },
      unheard: (task, fault) => {
        if (!stopping) post({ kind: 'unheard', task, fault });
      },
    };
    launcher = new ThreadLauncher({
      threads: config.threads,
      channels: pooled.map((c) => c.buffer),
      bell: bell.buffer,
      memory: kernel.core.phys.buffer,
      threadGone: (threadId) => loop?.threadGone(threadId),
    });
    loop = new KernelLoop(kernel, launcher, outlet, bell, pooled);
    loop.startInit(init);
    loop.snapshotAtInitExit = config.snapshotAtExit;
    loop.bootAreas = bootInfo.memory.map((m) => pageOf(m.phys));
    if (config.trace) loop.startTrace();
    if (config.schedule) loop.control(config.schedule);
    loop.launch(init, config.initUrl, serialize(bootInfo), 'pool');
    loop.run();
    return { pages: config.pages, regions: bootInfo.memory.map((m) => m.pages) };
  },

  stats() {
    if (!loop) throw new Error('not booted');
    return { ...kernelStats(loop.kernel), loop: { ...loop.counts, tasks: loop.taskCount() }, threads: launcher?.threadCount() ?? { pooled: 0, dedicated: 0, replaced: 0 } };
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
      await loop?.stop();
      await launcher?.close();
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
