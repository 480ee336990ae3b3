// The harness of the model-based test: runs each request on the real core and
// on the reference model, compares the results and everything init can
// observe, and runs the kernel's invariant checker.
//
// kernel.check() costs 5-7 ms whatever the state (it scans all 65,536 slots
// of init's CSpace), so it runs after every command only in "deep" sequences
// (see model.test.ts), after a command that destroyed init, and at the end of
// every sequence.

import fc from 'fast-check';
import { expect } from 'vitest';
import { ObjectType as T, Op, Rights, type Kernel, type SyscallResult } from '../../src/kernel/index.ts';
import { Coverage } from './coverage.ts';
import { bulkFree, bulkUsed, WORK_END } from './picks.ts';
import { CONSOLE, INIT_RADIX, RefKernel, type Result } from './reference.ts';

export const coverage = new Coverage();

export interface Model {
  ref: RefKernel;
  /** No further command runs: init is gone, or the sequence is finished. */
  over: boolean;
  /** Run kernel.check() after every command. */
  deep: boolean;
  /** Every request of this run with the reference's errno, for failure reports. */
  log: Array<[unknown, number]>;
}
export interface Real {
  kernel: Kernel;
  init: number;
}

export function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v === undefined ? 'undefined' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
  );
}

function history(m: Model): string {
  return m.log.map(([req, errno]) => `  ${show(req)} -> ${errno}\n`).join('');
}

/** Deep equality of plain results (numbers, plain objects); cheap, unlike expect() in a hot loop. */
function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const rb = b as Record<string, unknown>;
  return ka.length === Object.keys(b).length && ka.every((k) => k in rb && equal((a as Record<string, unknown>)[k], rb[k]));
}

/** Compares a core answer with the model's; a core that blocks (null) never matches. */
function same(m: Model, actual: SyscallResult | null, expected: Result, what: string): void {
  const got = actual === null ? { blocked: true } : { errno: actual.errno, value: actual.value };
  const want = { errno: expected.errno, value: expected.value };
  if (!equal(got, want)) expect(got, `${what}\nafter:\n${history(m)}`).toStrictEqual(want);
}

/** Runs one request on both sides and compares the results. */
function exec(m: Model, r: Real, req: unknown): void {
  coverage.before(m.ref, req);
  const expected = m.ref.invoke(req);
  coverage.after(m.ref, req, expected.errno);
  let actual: SyscallResult | null;
  try {
    actual = r.kernel.invoke(r.init, req);
  } catch (error) {
    throw new Error(`invoke threw on ${show(req)} after:\n${history(m)}`, { cause: error });
  }
  same(m, actual, expected, show(req));
  m.log.push([req, expected.errno]);
  if (!m.ref.initAlive) m.over = true;
}

/** Compares everything init can observe, then (see above) runs the invariant checker. */
export function verify(m: Model, r: Real): void {
  if (m.ref.initAlive) {
    const slots = m.ref.initSlots();
    const work = [...slots.keys()].filter((i) => i < WORK_END);
    const bulk = bulkUsed(m.ref);
    const probes = [...work, ...bulk.slice(0, 3), ...bulk.slice(-3), ...bulkFree(m.ref, 1), WORK_END - 1, (1 << INIT_RADIX) - 1];
    for (const cap of probes) {
      const identify = { op: Op.Identify, cap };
      same(m, r.kernel.invoke(r.init, identify), m.ref.invoke(identify), show(identify));
      if (slots.get(cap)?.type === T.Memory) {
        const free = { op: Op.FreePages, cap };
        same(m, r.kernel.invoke(r.init, free), m.ref.invoke(free), show(free));
      }
    }
  }
  if (m.deep || m.over) expect(r.kernel.check(), `after:\n${history(m)}`).toEqual([]);
}

/** A command: builds its requests from the model's state when it runs. */
export class Step implements fc.Command<Model, Real> {
  constructor(
    private readonly name: string,
    private readonly args: unknown,
    private readonly build: (ref: RefKernel) => unknown[],
  ) {}
  check(m: Readonly<Model>): boolean {
    return !m.over;
  }
  run(m: Model, r: Real): void {
    coverage.steps++;
    for (const req of this.build(m.ref)) if (!m.over) exec(m, r, req);
    verify(m, r);
  }
  /** The command's picks; the resolved requests are in a failure's message (Model.log). */
  toString(): string {
    return `${this.name} ${show(this.args)}`;
  }
}

/**
 * The end of a sequence: init destroys every capability but those naming its
 * boot objects, then docs/semantics.md §13.5 must hold: each boot Memory cap still in
 * its boot slot reports its boot free count again. (With COLLECT_CYCLES off,
 * the model may keep unreachable cycles alive; such sequences only count.)
 */
export function finish(m: Model, r: Real, bootFree: number[]): void {
  if (m.over) {
    expect(r.kernel.check()).toEqual([]);
    return;
  }
  const ref = m.ref;
  const vital = new Set([ref.initCSpace, ref.initTask, ref.initVSpace, CONSOLE, ...ref.bootMemory]);
  const caps = [...ref.initSlots()].filter(([, c]) => !vital.has(c.obj)).map(([i]) => i);
  exec(m, r, { op: Op.Destroy, caps });
  m.over = true;
  verify(m, r);
  if (!ref.initAlive) return;
  const leftovers = [...ref.objects.values()].filter((o) => o.start !== 0 && !vital.has(o.start));
  if (leftovers.length > 0) {
    coverage.cycles++;
    return;
  }
  coverage.clean++;
  ref.bootMemory.forEach((obj, i) => {
    if (ref.capAt(16 + i)?.obj !== obj) return;
    const free = r.kernel.invoke(r.init, { op: Op.FreePages, cap: 16 + i });
    const readable = ((ref.capAt(16 + i)?.rights ?? 0) & Rights.READ) !== 0;
    if (readable) expect(free?.value, `free pages of boot region ${i}`).toBe(bootFree[i]);
  });
}
