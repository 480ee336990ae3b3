// The kernel core's entry: (task, request) -> result. It decodes each request
// with the object module that owns the operation (checking everything in the
// order of kernel.md 12, changing nothing), then performs it (which cannot
// fail). Requests are plain objects from a task thread and are trusted for
// nothing: any shape gets an errno, never a throw.

import { Errno, ObjectType, Op } from './abi.ts';
import { Core } from './core.ts';
import * as cspace from './cspace.ts';
import { checkInvariants } from './invariants.ts';
import * as memory from './memory.ts';
import * as task from './task.ts';

/** The outcome of one system call as the core decided it. */
export type SyscallResult = { errno: 0; value: unknown } | { errno: number; value?: undefined };

/** A request as it arrives from the wire: an operation code and its arguments. */
export type Request = { op?: unknown; cap?: unknown } & Record<string, unknown>;

const OK_EMPTY: SyscallResult = Object.freeze({ errno: 0, value: undefined });

function fail(errno: number): SyscallResult {
  return { errno };
}

export class Kernel {
  readonly core: Core;
  /** System calls decided, by operation code. */
  readonly calls = new Float64Array(64);
  /** Failed system calls, by errno. */
  readonly failures = new Float64Array(128);

  constructor(pages: number, buffer?: SharedArrayBuffer) {
    this.core = new Core(pages, buffer);
    const { life } = this.core;
    life.teardown[ObjectType.Memory] = (object) => memory.teardownMemory(this.core, object);
    life.teardown[ObjectType.CSpace] = (object) => cspace.teardownCSpace(this.core, object);
    life.teardown[ObjectType.Task] = (object) => task.teardownTask(this.core, object);
  }

  /** Every violated invariant of kernel.md 13, in words (empty when all hold). */
  check(): string[] {
    return checkInvariants(this.core);
  }

  /** Decides one system call of the task whose Task object starts at page `caller`. */
  invoke(caller: number, request: unknown): SyscallResult {
    if (!this.core.objects.isLive(caller, ObjectType.Task)) {
      throw new RangeError(`no live task at page ${caller}`);
    }
    const result = this.decide(caller, request);
    if (typeof request === 'object' && request !== null) {
      const op = (request as Request).op;
      if (typeof op === 'number' && op >= 0 && op < this.calls.length && Number.isInteger(op)) this.calls[op]++;
    }
    if (result.errno !== 0) this.failures[result.errno]++;
    return result;
  }

  private decide(caller: number, request: unknown): SyscallResult {
    if (typeof request !== 'object' || request === null) return fail(Errno.EINVAL);
    const req = request as Request;
    const core = this.core;
    switch (req.op) {
      case Op.Identify: {
        const identity = cspace.identify(core, caller, req.cap);
        return typeof identity === 'number' ? fail(identity) : { errno: 0, value: identity };
      }
      case Op.Alloc: {
        const plan = memory.decodeAlloc(core, caller, req);
        if (typeof plan === 'number') return fail(plan);
        memory.performAlloc(core, plan);
        return OK_EMPTY;
      }
      case Op.FreePages: {
        const plan = memory.decodeFreePages(core, caller, req.cap);
        return typeof plan === 'number' ? fail(plan) : { errno: 0, value: core.areas.freeOf(plan.area) };
      }
      case Op.Copy: {
        const plan = cspace.decodeCopy(core, caller, req);
        if (typeof plan === 'number') return fail(plan);
        cspace.performCopy(core, plan);
        return OK_EMPTY;
      }
      case Op.Move: {
        const plan = cspace.decodeMove(core, caller, req);
        if (typeof plan === 'number') return fail(plan);
        cspace.performMove(core, plan);
        return OK_EMPTY;
      }
      case Op.Destroy: {
        const plan = cspace.decodeDestroy(core, caller, req.caps);
        if (typeof plan === 'number') return fail(plan);
        cspace.performDestroy(core, plan);
        return OK_EMPTY;
      }
      case Op.Configure: {
        const plan = task.decodeConfigure(core, caller, req);
        if (typeof plan === 'number') return fail(plan);
        task.performConfigure(core, plan);
        return OK_EMPTY;
      }
      default:
        return this.unsupported(caller, req);
    }
  }

  /** An operation the invoked object does not have: EBADF first if the cap is bad. */
  private unsupported(caller: number, req: Request): SyscallResult {
    const s = cspace.lookup(this.core, caller, req.cap);
    if (s === 0 || this.core.slots.type(s) === ObjectType.Null) return fail(Errno.EBADF);
    return fail(Errno.ENOTSUP);
  }
}
