// Notifications (docs/semantics.md §8): one 32-bit word of signal bits, the first
// word of the object's page. signal ORs in the cap's badge (1 when the badge
// is 0), never blocks, and wakes every task waiting at that moment, each of
// which gets the word; then the word is cleared. wait and poll return the
// word and clear it; wait blocks while it is 0.

import { Errno, ObjectType } from '../abi.ts';
import type { Core, Failure } from './state.ts';
import { invoked } from './cspace.ts';
import { PhysicalMemory } from './physical.ts';
import { type SyscallResult, type TaskWaits, Waiting } from './waits.ts';

/** The invoked Notification cap, with the right an operation needs. */
export function decodeNotification(core: Core, task: number, caddr: unknown, right: number): { page: number; badge: number } | Failure {
  const slots = core.slots;
  const cap = invoked(core, task, caddr, ObjectType.Notification, right);
  if (cap < 0) return -cap;
  return { page: slots.object(cap), badge: slots.badge(cap) };
}

export class Notifications {
  /**
   * Tasks blocked in wait, by Notification page, in arrival order; a set
   * is kept, empty, until its Notification dies (see Endpoints.queues).
   */
  readonly waiters = new Map<number, Set<number>>();

  constructor(
    private readonly core: Core,
    private readonly waits: TaskWaits,
  ) {}

  private word(page: number): number {
    return PhysicalMemory.pageWord(page);
  }

  signal(page: number, badge: number): SyscallResult {
    const words = this.core.phys.words;
    const at = this.word(page);
    words[at] = (words[at] | (badge === 0 ? 1 : badge)) >>> 0;
    const waiting = this.waiters.get(page);
    if (waiting && waiting.size > 0) {
      const value = words[at];
      const woken = [...waiting];
      waiting.clear();
      for (const task of woken) this.waits.answer(task, { errno: 0, value });
      words[at] = 0;
    }
    return { errno: 0, value: undefined };
  }

  /** wait (blocking) or poll: the word, cleared; null when wait must block. */
  take(task: number, page: number, blocking: boolean, call: Record<string, unknown>): SyscallResult | null {
    const words = this.core.phys.words;
    const at = this.word(page);
    const value = words[at];
    if (value !== 0 || !blocking) {
      words[at] = 0;
      return { errno: 0, value };
    }
    let waiting = this.waiters.get(page);
    if (!waiting) this.waiters.set(page, (waiting = new Set()));
    waiting.add(task);
    this.waits.block(task, page, Waiting.Notification, call);
    return null;
  }

  unqueue(task: number, page: number): void {
    const waiting = this.waiters.get(page);
    if (!waiting) return;
    waiting.delete(task);
  }

  /** A dying Notification fails its waiters with EPIPE. */
  teardown(page: number): void {
    const waiting = this.waiters.get(page);
    this.waiters.delete(page);
    if (waiting) for (const task of waiting) this.waits.answer(task, { errno: Errno.EPIPE });
  }
}
