// A Machine boots systems one after another on the same threads: a kernel
// thread and its pooled task threads, started once. Each system still gets
// a fresh core and fresh memory; its shutdown halts it (every task killed,
// its thread work waited for) and leaves the threads for the next. explore()
// makes thousands of short runs this way: a boot on fresh threads costs
// hundreds of milliseconds (starting threads and loading the programs), a
// boot on a Machine's a few.
//
// What carries over from one system to the next is the threads' own state:
// each thread's loaded modules, so a program's module-level variables keep
// their values. docs/explore.md says what that means for a controlled run.
// When a halt cannot end every task in time, or a system asks for a
// different number of pooled threads, the Machine starts fresh threads.

import { bootSystem, KERNEL_THREAD, type System } from './boot.ts';
import { KernelThread } from './kernel-thread.ts';
import { BootError, type BootOptions, checkOptions } from './options.ts';

export class Machine {
  private thread: KernelThread | null = null;
  private threads = 0;
  private running: System | null = null;
  private closed = false;
  /** Kernel threads started so far (a fresh one after each halt that failed). */
  started = 0;

  /** Boots a system on the Machine's threads; the one before must have been shut down. */
  async boot(options: BootOptions): Promise<System> {
    if (this.closed) throw new BootError('this machine has been closed');
    if (this.running) throw new BootError('a system is running on this machine: shut it down first');
    const config = checkOptions(options);
    if (this.thread && (this.thread.lost || this.threads !== config.threads)) await this.drop();
    if (!this.thread) {
      this.thread = new KernelThread(KERNEL_THREAD);
      this.threads = config.threads;
      this.started++;
    }
    const thread = this.thread;
    const release = async () => {
      this.running = null;
      let kept = false;
      try {
        kept = await thread.ask('halt', () => thread.control.halt());
      } catch {
        // the kernel thread is gone or wedged
      }
      if (!kept && this.thread === thread) await this.drop();
    };
    const system = await bootSystem(thread, options, config, release);
    this.running = system;
    return system;
  }

  private async drop(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    await thread?.close();
  }

  /** Shuts down the running system, if any, and stops every thread; idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running?.shutdown();
    await this.drop();
  }
}
