// A thin harness over the core entry for tests: boots a kernel and lets a
// test make init's system calls by name, getting either the value or the
// errno name back.

import { bootKernel, type Effect, errnoName, type Identity, Op, type BootInfo, type CoreBootOptions, type Kernel } from '../../src/kernel/index.ts';

export type Dest = number | { cspace: number; slot: number };

export interface CoreSystem {
  kernel: Kernel;
  init: number;
  boot: BootInfo;
  /** The errno name of a call ('OK' on success). */
  errno(op: number, args: Record<string, unknown>): string;
  /** The value of a call that must succeed; throws with the errno name otherwise. */
  ok<T = unknown>(op: number, args: Record<string, unknown>): T;
  free(mem: number): number;
  alloc(mem: number, type: number, dest: Dest, opts?: { size?: number; count?: number }): string;
  identify(cap: number): Identity;
  copy(dest: Dest, src: number, opts?: { rights?: number; badge?: number }): string;
  move(dest: Dest, src: number): string;
  destroy(...caps: Dest[]): string;
  /** Asserts the invariants hold. */
  clean(): void;
}

export function coreSystem(options: Partial<CoreBootOptions> = {}): CoreSystem {
  const { kernel, init, bootInfo } = bootKernel({ pages: 4096, ...options });
  const errno = (op: number, args: Record<string, unknown>): string => {
    const r = kernel.invoke(init, { op, ...args });
    if (r === null) return 'BLOCKED';
    return r.errno === 0 ? 'OK' : (errnoName(r.errno) ?? `errno ${r.errno}`);
  };
  const ok = <T,>(op: number, args: Record<string, unknown>): T => {
    const r = kernel.invoke(init, { op, ...args });
    if (r === null) throw new Error('the call blocked');
    if (r.errno !== 0) throw new Error(`${Object.keys(Op).find((k) => Op[k as keyof typeof Op] === op)} failed: ${errnoName(r.errno)}`);
    return r.value as T;
  };
  return {
    kernel,
    init,
    boot: bootInfo,
    errno,
    ok,
    free: (mem) => ok<number>(Op.FreePages, { cap: mem }),
    alloc: (mem, type, dest, opts = {}) => errno(Op.Alloc, { cap: mem, type, dest, ...opts }),
    identify: (cap) => ok(Op.Identify, { cap }),
    copy: (dest, src, opts = {}) => errno(Op.Copy, { cap: src, dest, ...opts }),
    move: (dest, src) => errno(Op.Move, { cap: src, dest }),
    destroy: (...caps) => errno(Op.Destroy, { caps }),
    clean: () => {
      const violations = kernel.check();
      if (violations.length > 0) throw new Error(`invariants violated:\n${violations.join('\n')}`);
    },
  };
}

/**
 * Allocates, configures and starts a task (program 'file:///child.js'), whose
 * CSpace (radix 6) is init's `cspaceSlot`; returns the Task's page, the id
 * its calls go to `kernel.invoke` with.
 */
export function spawn(sys: CoreSystem, taskSlot: number, cspaceSlot: number, fault?: number): number {
  const step = (what: string, result: string) => {
    if (result !== 'OK') throw new Error(`spawn: ${what} failed: ${result}`);
  };
  step('Task', sys.alloc(16, 4 /* Task */, taskSlot));
  step('CSpace', sys.alloc(16, 2 /* CSpace */, cspaceSlot, { size: 6 }));
  step('configure', sys.errno(Op.Configure, { cap: taskSlot, cspace: cspaceSlot, fault }));
  step('start', sys.errno(Op.Start, { cap: taskSlot, program: 'file:///child.js' }));
  return (sys.identify(taskSlot).phys as number) / 4096;
}

/** The 'answer' effects among `effects`. */
export function answers(effects: Effect[]): Array<{ kind: 'answer'; task: number; result: { errno: number; value?: unknown } }> {
  return effects.filter((e) => e.kind === 'answer') as Array<{ kind: 'answer'; task: number; result: { errno: number; value?: unknown } }>;
}
