// Edges of references and destruction (src/kernel/lifetime.ts, docs/semantics.md
// §3.5 and §4): which tasks count as running for the cycle check, the exact
// size at which the check gives up, holders found through every page of a
// large CSpace, and chains of destruction far deeper than the call stack.

import { describe, expect, it } from 'vitest';
import { KernelBug } from '../../src/kernel/assert.ts';
import { ObjectType as T, Op } from '../../src/kernel/index.ts';
import { NO_AREA } from '../../src/kernel/objects.ts';
import { Slots } from '../../src/kernel/slots.ts';
import { answers, coreSystem, spawn } from './harness.ts';

type Sys = ReturnType<typeof coreSystem>;

/**
 * A child task (Task 100, CSpace 101) that holds the cap to its own Task in
 * slot 1 and Endpoint 50 in slot 0: once init lets go of 100 and 101, the
 * two only name each other.
 */
function selfHeldChild(): { sys: Sys; child: number } {
  const sys = coreSystem();
  const child = spawn(sys, 100, 101);
  expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
  expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
  expect(sys.copy({ cspace: 101, slot: 1 }, 100)).toBe('OK');
  sys.kernel.takeEffects();
  return { sys, child };
}

/** `n` CSpaces of one page from a fresh Memory in init's slot 100, at init's slots 1000.., each holding the next in its slot 0, the last the first. */
function ring(sys: Sys, n: number): void {
  expect(sys.alloc(16, T.Memory, 100, { size: n + 20 })).toBe('OK');
  expect(sys.alloc(100, T.CSpace, 1000, { size: 1, count: n })).toBe('OK');
  for (let i = 0; i < n; i++) expect(sys.copy({ cspace: 1000 + ((i + 1) % n), slot: 0 }, 1000 + i)).toBe('OK');
}

describe('the cycle check: running tasks', () => {
  it('keeps a task blocked in recv and its CSpace that only name each other; it still receives', () => {
    const { sys, child } = selfHeldChild();
    expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0 })).toBeNull();
    const free = sys.free(16);
    expect(sys.destroy(100, 101)).toBe('OK');
    expect(sys.free(16)).toBe(free);
    expect(sys.errno(Op.NbSend, { cap: 50, msg: { label: 4 } })).toBe('OK');
    expect(answers(sys.kernel.takeEffects())).toEqual([{ kind: 'answer', task: child, result: { errno: 0, value: expect.objectContaining({ label: 4 }) } }]);
    sys.clean();
  });

  it('keeps a suspended task and its CSpace that only name each other', () => {
    const { sys } = selfHeldChild();
    expect(sys.errno(Op.Suspend, { cap: 100 })).toBe('OK');
    const free = sys.free(16);
    const endpointRefs = sys.identify(50).refs;
    expect(sys.destroy(100, 101)).toBe('OK');
    expect(sys.free(16)).toBe(free);
    expect(sys.identify(50).refs).toBe(endpointRefs); // the child's slot 0 is still there
    sys.clean();
  });

  it('collects the pair once the task has exited', () => {
    const { sys, child } = selfHeldChild();
    const free = sys.free(16);
    expect(sys.kernel.invoke(child, { op: Op.Exit, code: 0 })?.errno ?? 0).toBe(0);
    expect(sys.destroy(100, 101)).toBe('OK');
    expect(sys.free(16)).toBeGreaterThan(free);
    expect(sys.identify(50).refs).toBe(1);
    sys.clean();
  });

  it('reads a task state only from Tasks: a CSpace whose first word looks like one is still collected', () => {
    const sys = coreSystem();
    const free = sys.free(16);
    expect(sys.alloc(16, T.CSpace, 100, { size: 2 })).toBe('OK');
    // A cap to itself without rights: slot 0's first word is type 2 (CSpace),
    // rights 0, flags 0, which is the number of the Blocked state.
    expect(sys.copy({ cspace: 100, slot: 0 }, 100, { rights: 0 })).toBe('OK');
    expect(sys.kernel.core.phys.words[(sys.identify(100).phys as number) / 4]).toBe(2);
    expect(sys.destroy(100)).toBe('OK');
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });
});

describe('the cycle check: the limit of 512', () => {
  it('a ring of 512 CSpaces is collected when its last outside cap goes', () => {
    const sys = coreSystem();
    ring(sys, 512);
    const free = sys.free(100);
    expect(sys.destroy(...Array.from({ length: 512 }, (_, i) => 1000 + i))).toBe('OK');
    expect(sys.free(100)).toBe(free + 512);
    sys.clean();
  });

  it('a ring of 513 CSpaces is kept: the check gives up one past the limit', () => {
    const sys = coreSystem();
    ring(sys, 513);
    const free = sys.free(100);
    expect(sys.destroy(...Array.from({ length: 513 }, (_, i) => 1000 + i))).toBe('OK');
    expect(sys.free(100)).toBe(free);
    sys.clean();
  });
});

describe('the cycle check: large CSpaces', () => {
  it('finds a holder through a slot on the second page of a CSpace', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.CSpace, 200, { size: 9 })).toBe('OK'); // 512 slots, two pages
    expect(sys.identify(200).phys! % 4096).toBe(0);
    expect(sys.alloc(16, T.CSpace, 100, { size: 1 })).toBe('OK');
    expect(sys.copy({ cspace: 100, slot: 0 }, 100)).toBe('OK'); // it names itself
    expect(sys.copy({ cspace: 200, slot: 300 }, 100)).toBe('OK'); // and the big one names it
    const free = sys.free(16);
    expect(sys.destroy(100)).toBe('OK');
    // Still reachable from init through CSpace 200.
    expect(sys.free(16)).toBe(free);
    const core = sys.kernel.core;
    const held = Slots.index(sys.identify(200).phys! / 4096, 300);
    expect(core.slots.type(held)).toBe(T.CSpace);
    expect(core.life.refs(T.CSpace, core.slots.object(held))).toBe(2);
    sys.clean();
    // Once the big one goes, so does the one it held.
    expect(sys.destroy(200)).toBe('OK');
    expect(sys.free(16)).toBe(free + 2 + 1);
    sys.clean();
  });
});

describe('deep chains of destruction', () => {
  const depth = 10_000;

  it('a chain of 10,000 CSpaces, each the only holder of the next, dies from its head without recursion', () => {
    const sys = coreSystem({ pages: 1 << 15 });
    const free = sys.free(16);
    expect(sys.alloc(16, T.CSpace, 1000, { size: 1, count: depth })).toBe('OK');
    for (let i = depth - 2; i >= 0; i--) expect(sys.move({ cspace: 1000 + i, slot: 0 }, 1000 + i + 1)).toBe('OK');
    expect(sys.free(16)).toBe(free - depth);
    expect(sys.destroy(1000)).toBe('OK');
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });

  it('a chain of 2,000 CSpaces that each also name themselves is collected with little stack to spare', () => {
    const sys = coreSystem();
    const free = sys.free(16);
    const n = 2_000;
    expect(sys.alloc(16, T.CSpace, 1000, { size: 1, count: n })).toBe('OK');
    for (let i = 0; i < n; i++) expect(sys.copy({ cspace: 1000 + i, slot: 1 }, 1000 + i)).toBe('OK');
    for (let i = n - 2; i >= 0; i--) expect(sys.move({ cspace: 1000 + i, slot: 0 }, 1000 + i + 1)).toBe('OK');
    expect(sys.free(16)).toBe(free - n);
    // Each CSpace dies by the cycle check, one after the other: a check run
    // inside the last one's destruction would nest once per link.
    expect(nearStackEnd(() => sys.destroy(1000))).toBe('OK');
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });
});

/**
 * Calls `f` with only some thousands of small frames of stack left, whatever
 * the stack size of the thread the test runs on: a bounded amount of stack
 * suffices there, a few frames per link of a chain of thousands do not. One
 * function both measures the stack and descends, so its frames match.
 */
function nearStackEnd<R>(f: () => R, spare = 2_000): R {
  let deepest = 0;
  let target = -1;
  const dive = (n: number): R => {
    if (n === target) return f();
    deepest = n;
    return dive(n + 1);
  };
  try {
    dive(0);
  } catch {
    // The stack is full: `deepest` frames of dive fit.
  }
  target = deepest - spare;
  return dive(0);
}

describe('reference counts', () => {
  it('asking the count of the root Memory, which no area holds, is a kernel bug', () => {
    const sys = coreSystem();
    const core = sys.kernel.core;
    const root = core.objects.area.indexOf(NO_AREA);
    expect(core.objects.kind[root]).toBe(T.Memory);
    expect(() => core.life.refs(T.Memory, root)).toThrow(KernelBug);
    expect(() => core.life.refs(T.Memory, root)).toThrow(/object at page \d+ has no area/);
  });
});
