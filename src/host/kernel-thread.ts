// The host's handle on a kernel thread: the Worker, the comlink proxy of its
// control plane, and the port its events come on. Systems are booted on it
// one after another (boot() boots one and stops the thread with it; a
// Machine boots many); each event names the system it comes from, and goes
// to that system's listener only. Once the thread is gone, every call to it
// rejects at once with the reason instead of waiting.

import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { nodeEndpoint } from '../ipc/control-port.ts';
import type { Fault, HostEvent } from '../ipc/protocol.ts';
import { BOOTSTRAP, threadExecArgv } from '../workers/threads.ts';
import type { KernelControl } from './kernel-entry.ts';

/** How long the host waits for the kernel thread. */
export interface HostLimits {
  /** For an answer to boot, stats, check, snapshot or the trace: past it the kernel thread is taken to be wedged. */
  answerMs: number;
  /** For the kernel thread to stop cleanly at shutdown, before it is terminated. */
  stopMs: number;
}

export const LIMITS: HostLimits = { answerMs: 60_000, stopMs: 5_000 };

/** What a system booted on the thread hears: its events, and the thread's end (with why). */
export interface SystemListener {
  event(event: HostEvent): void;
  lost(fault: Fault): void;
}

export class KernelThread {
  readonly control: Comlink.Remote<KernelControl>;
  private readonly worker: Worker;
  private readonly events: MessagePort;
  /** The system whose events are wanted now, by number. */
  private listener: { system: number; listener: SystemListener } | null = null;
  /** Boots so far: the next system's number is one more. */
  private boots = 0;
  private gone: Error | undefined;
  private kernelFault: Fault | undefined;
  private shuttingDown = false;
  /**
   * The calls waiting for an answer, each by what rejects it when the
   * thread is lost. (Racing every call against one promise of the thread's
   * loss would leak: each race adds a reaction to that promise, which
   * settles only at the end, and the reaction keeps the call's answer.)
   */
  private readonly waiting = new Set<(error: Error) => void>();
  private stopping: Promise<void> | undefined;

  constructor(
    kernelEntry: string,
    readonly limits: HostLimits = LIMITS,
  ) {
    const { port1: events, port2 } = new MessageChannel();
    this.events = events;
    this.worker = new Worker(BOOTSTRAP, {
      workerData: { entry: kernelEntry, events: port2 },
      transferList: [port2],
      execArgv: threadExecArgv(),
    });
    this.control = Comlink.wrap<KernelControl>(nodeEndpoint(this.worker));
    events.on('message', (event: HostEvent) => {
      if (this.listener && event.system === this.listener.system) this.listener.listener.event(event);
    });
    // A thread can throw anything, so the error is `unknown` (as @types/node now says).
    this.worker.on('error', (error: unknown) => {
      this.kernelFault =
        error instanceof Error
          ? { name: error.name, message: `the kernel thread failed: ${error.message}`, stack: error.stack }
          : { name: 'Error', message: `the kernel thread failed: it threw a non-Error value: ${String(error)}` };
      this.lose(this.kernelFault);
    });
    this.worker.once('exit', () => {
      this.lose(this.kernelFault ?? (this.shuttingDown ? SHUT_DOWN : { name: 'Error', message: 'the kernel thread stopped' }));
    });
  }

  /** True once the thread can answer nothing more. */
  get lost(): boolean {
    return this.gone !== undefined;
  }

  private lose(fault: Fault, error = new Error(fault.message)): void {
    this.listener?.listener.lost(fault);
    this.gone ??= error;
    for (const fail of this.waiting) fail(this.gone);
  }

  /** The number the next system booted here gets, and from now on the one whose events are heard. */
  listen(listener: SystemListener): number {
    const system = ++this.boots;
    this.listener = { system, listener };
    return system;
  }

  /**
   * A call to the kernel thread. A kernel thread that is alive but never
   * answers (a kernel bug that loops) must not hang the host either: past
   * the limit the call rejects.
   */
  ask<T>(what: string, call: () => Promise<T>): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise<T>((resolve, reject) => {
      const fail = (error: unknown) => {
        settle();
        reject(error);
      };
      const settle = () => {
        clearTimeout(timer);
        this.waiting.delete(fail);
      };
      const timer = setTimeout(
        () => fail(new Error(`the kernel thread did not answer ${what} within ${this.limits.answerMs / 1000} s: it is wedged (a kernel bug)`)),
        this.limits.answerMs,
      );
      timer.unref();
      this.waiting.add(fail);
      let answer: Promise<T>;
      try {
        answer = call();
      } catch (error) {
        fail(error);
        return;
      }
      answer.then((value) => {
        settle();
        resolve(value);
      }, fail);
    });
  }

  /** Stops the kernel thread and every task thread; idempotent. */
  close(): Promise<void> {
    this.stopping ??= (async () => {
      this.shuttingDown = true;
      try {
        await Promise.race([this.ask('shutdown', () => this.control.shutdown()), new Promise((resolve) => setTimeout(resolve, this.limits.stopMs).unref())]);
      } catch {
        // the kernel thread is already gone
      }
      this.lose(SHUT_DOWN, new Error('the system has been shut down'));
      this.control[Comlink.releaseProxy]();
      await this.worker.terminate();
      this.events.close();
    })();
    return this.stopping;
  }
}

/** How init ends when the system is shut down first. */
export const SHUT_DOWN: Fault = { name: 'Shutdown', message: 'the system was shut down before init exited' };
