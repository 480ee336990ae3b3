// Hostile requests: whatever a task sends, the core answers `{ errno }` with
// errno 0 or a value of Errno (and no value on failure), or null when the
// caller blocks; it never throws, and keeps every invariant. Requests mix plausible ones (known operations, small
// caddrs, so that objects really get allocated, copied and destroyed) with
// garbage of every shape: unknown and non-integer op codes, NaN, negatives,
// fractions, huge numbers, strings, objects, arrays, missing fields, requests
// that are not objects at all.
//
// CADUCEUS_HOSTILE_CALLS sets the number of calls (default 100,000), and
// CADUCEUS_HOSTILE_SEED the seed (default: random). `npm run fuzz` makes
// the full 1,000,000 and prints the seed.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Errno, ObjectType as T, Op, bootKernel, type Kernel, type SyscallResult } from '../../src/kernel/index.ts';

const CALLS = Number(process.env.CADUCEUS_HOSTILE_CALLS ?? 100_000);
const SEED = process.env.CADUCEUS_HOSTILE_SEED === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(process.env.CADUCEUS_HOSTILE_SEED);
/** Calls per generated sequence, on one kernel. */
const PER_RUN = 1000;
/**
 * kernel.check() costs 5-7 ms: run it every this many calls (the last call of
 * a run included) and whenever init is gone or blocked, before starting over.
 */
const CHECK_EVERY = 500;

const ERRNOS: ReadonlySet<number> = new Set([0, ...Object.values(Errno)]);
const stats = { calls: 0, ok: 0, blocked: 0, reboots: 0 };

const junk = fc.anything({
  maxDepth: 1,
  maxKeys: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
});

const weirdNumber = fc.constantFrom<unknown>(
  NaN, -1, -0, 0.5, 1.5, 15.999, 65535, 65536, 2 ** 31, 2 ** 32, -(2 ** 31), Infinity, -Infinity,
  Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, 1e300, 256, 257,
);
const weirdValue = fc.constantFrom<unknown>(
  '0', '16', '', 'x', true, false, null, undefined, [], [0], {}, 10n, { cspace: 0, slot: 20 },
);

const caddr: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 3, arbitrary: weirdNumber },
  { weight: 2, arbitrary: weirdValue },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: junk },
);
const dest: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: caddr },
  { weight: 1, arbitrary: fc.record({ cspace: caddr, slot: caddr }, { requiredKeys: [] }) },
);
const small = (max: number) => fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -1, max }) }, { weight: 1, arbitrary: caddr });

const request = fc.record(
  {
    op: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom<unknown>(Op.Identify, Op.Alloc, Op.FreePages, Op.Copy, Op.Move, Op.Destroy) },
      { weight: 2, arbitrary: fc.constant<unknown>(Op.Configure) },
      { weight: 2, arbitrary: fc.constantFrom<unknown>(...Object.values(Op)) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 30, 63, 64, 127, 128, -1, 1.5, NaN, '2', null, 2 ** 53) },
      { weight: 1, arbitrary: junk },
    ),
    cap: caddr,
    type: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: T.Null, max: 11 }) }, { weight: 1, arbitrary: caddr }),
    size: fc.oneof(small(20), fc.constantFrom<unknown>(undefined, 2 ** 20, 2 ** 20 + 1)),
    dest,
    count: fc.oneof(small(6), fc.constantFrom<unknown>(undefined, 65536, 65537, 2 ** 31)),
    caps: fc.oneof({ weight: 4, arbitrary: fc.array(dest, { maxLength: 4 }) }, { weight: 1, arbitrary: junk }),
    rights: small(8),
    badge: fc.oneof(small(3), fc.constantFrom<unknown>(0xffffffff, 2 ** 32)),
    cspace: caddr,
    vspace: caddr,
    fault: caddr,
    slot: caddr,
  },
  { requiredKeys: [] },
);
/** Requests that often succeed, so the kernel's state keeps changing under the garbage. */
const plausible = fc.record(
  {
    op: fc.constantFrom(Op.Alloc, Op.Alloc, Op.Copy, Op.Move, Op.Destroy, Op.Configure, Op.FreePages),
    cap: fc.integer({ min: 0, max: 40 }),
    type: fc.integer({ min: T.Memory, max: T.Notification }),
    size: fc.integer({ min: 1, max: 8 }),
    dest: fc.oneof(fc.integer({ min: 16, max: 40 }), fc.record({ cspace: fc.integer({ min: 0, max: 40 }), slot: fc.nat(20) })),
    count: fc.integer({ min: 1, max: 3 }),
    caps: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
    rights: fc.integer({ min: 0, max: 7 }),
    cspace: fc.integer({ min: 0, max: 40 }),
  },
  { requiredKeys: ['op', 'cap', 'dest'] },
);
const anyRequest: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 15, arbitrary: plausible },
  { weight: 15, arbitrary: request },
  { weight: 1, arbitrary: junk },
);

function isWellFormed(result: unknown): boolean {
  if (typeof result !== 'object' || result === null) return false;
  const { errno, value } = result as { errno?: unknown; value?: unknown };
  return typeof errno === 'number' && ERRNOS.has(errno) && (errno === 0 || value === undefined);
}

function describeRequest(req: unknown): string {
  return fc.stringify(req);
}

function runAll(pages: number, requests: unknown[]): void {
  let { kernel, init } = bootKernel({ pages });
  const reboot = (): void => {
    stats.reboots++;
    ({ kernel, init } = bootKernel({ pages }));
  };
  const check = (k: Kernel, after: string): void => {
    const problems = k.check();
    if (problems.length > 0) expect(problems, `invariants after ${after}`).toEqual([]);
  };
  requests.forEach((req, i) => {
    // Destroying init's last Task cap (or a CSpace holding it) legitimately ends
    // init; invoke then refuses the caller by contract, so start over.
    if (!kernel.core.objects.isLive(init, T.Task)) {
      check(kernel, 'init was destroyed');
      reboot();
    }
    let result: SyscallResult | null;
    try {
      result = kernel.invoke(init, req);
    } catch (error) {
      throw new Error(`invoke threw on ${describeRequest(req)}`, { cause: error });
    }
    stats.calls++;
    if ((i + 1) % CHECK_EVERY === 0 || i === requests.length - 1) {
      check(kernel, `call ${i} ${describeRequest(req)}`);
      kernel.takeEffects(); // prints, starts, exits: the host's business, dropped here
    }
    if (result === null) {
      // Init blocked (or is suspended): its next call would wait. Start over.
      stats.blocked++;
      check(kernel, `init blocked in ${describeRequest(req)}`);
      reboot();
      return;
    }
    if (!isWellFormed(result)) expect(result, describeRequest(req)).toEqual({ errno: 'a known errno' });
    if (result.errno === 0) stats.ok++;
    if ((req as { op?: unknown } | null)?.op === Op.Exit) reboot(); // init has exited
  });
}

afterAll(() => {
  if (process.env.CADUCEUS_MODEL_STATS || process.env.CADUCEUS_HOSTILE_CALLS) {
    console.info(`hostile: ${stats.calls} calls, ${stats.ok} succeeded, ${stats.blocked} blocked, ${stats.reboots} reboots; seed ${SEED}`);
  }
});

describe('hostile requests', () => {
  it(`${CALLS} random requests always get a well-formed errno and keep the invariants`, { timeout: 60_000 + CALLS }, () => {
    fc.assert(
      fc.property(fc.integer({ min: 260, max: 1024 }), fc.array(anyRequest, { minLength: PER_RUN, maxLength: PER_RUN }), runAll),
      { numRuns: Math.ceil(CALLS / PER_RUN), seed: SEED },
    );
    expect(stats.ok, 'plausible requests keep the state changing').toBeGreaterThan(CALLS / 25);
  });

  it('rejects requests that are not objects, and unknown operations', () => {
    const { kernel, init } = bootKernel({ pages: 300 });
    for (const req of [null, undefined, 0, 'alloc', true, 10n]) expect(kernel.invoke(init, req)).toEqual({ errno: Errno.EINVAL });
    expect(kernel.invoke(init, {})).toEqual({ errno: Errno.EBADF });
    expect(kernel.invoke(init, { op: 99, cap: 16 })).toEqual({ errno: Errno.ENOTSUP });
    const tooMany = { op: Op.Alloc, cap: 16, type: T.Endpoint, dest: 20, count: 65536 };
    expect(kernel.invoke(init, tooMany)).toEqual({ errno: Errno.EINVAL });
    expect(kernel.check()).toEqual([]);
  });
});
