// The commands of the model-based test. Each builds its requests from the
// reference model's state when it runs (see picks.ts), so that sequences stay
// meaningful: they aim at slots in use, at Memory caps, at CSpace caps.

import fc from 'fast-check';
import { ObjectType as T, Op } from '../../src/abi.ts';
import { Step } from './harness.ts';
import {
  badgeArb,
  bulkFree,
  bulkUsed,
  countArb,
  destArb,
  namesVital,
  FOREIGN_OPS,
  otherOp,
  pickArb,
  resolveDest,
  resolvePick,
  rightsArb,
  smallObject,
  typeAndSize,
} from './picks.ts';

const srcArb = fc.oneof(pickArb(), pickArb(T.Endpoint), pickArb(T.Notification), pickArb(T.Memory), pickArb(T.CSpace));

const alloc = fc
  .record({ mem: pickArb(T.Memory), ts: typeAndSize, count: countArb, dest: destArb() })
  .map(
    (a) =>
      new Step('alloc', a, (ref) => [
        { op: Op.Alloc, cap: resolvePick(ref, a.mem), ...a.ts, dest: resolveDest(ref, a.dest), count: a.count },
      ]),
  );

const copy = fc
  .record({ src: srcArb, dest: destArb(), rights: rightsArb, badge: badgeArb })
  .map(
    (a) =>
      new Step('copy', a, (ref) => [
        { op: Op.Copy, cap: resolvePick(ref, a.src), dest: resolveDest(ref, a.dest), rights: a.rights, badge: a.badge },
      ]),
  );

/** Copies one cap into up to 300 bulk slots: drives its object to 256 references (ERANGE). */
const copyMany = fc.record({ src: srcArb, n: fc.integer({ min: 1, max: 300 }), rights: rightsArb }).map(
  (a) =>
    new Step('copyMany', a, (ref) => {
      const cap = resolvePick(ref, a.src);
      return bulkFree(ref, a.n).map((dest) => ({ op: Op.Copy, cap, dest, rights: a.rights }));
    }),
);

const destroyBulk = fc.integer({ min: 1, max: 300 }).map(
  (n) => new Step('destroyBulk', n, (ref) => [{ op: Op.Destroy, caps: bulkUsed(ref).slice(-n) }]),
);

const move = fc
  .record({ src: pickArb(), dest: destArb() })
  .map((a) => new Step('move', a, (ref) => [{ op: Op.Move, cap: resolvePick(ref, a.src), dest: resolveDest(ref, a.dest) }]));

/** Mostly true: destroys then spare init's Task and the boot Memory caps. */
const spareArb = fc.integer({ min: 0, max: 15 }).map((x) => x !== 0);
const target = fc.oneof(
  { weight: 4, arbitrary: pickArb().map((pick) => ({ kind: 'own' as const, pick })) },
  { weight: 2, arbitrary: destArb(true) },
);
const destroy = fc
  .record({
    targets: fc.array(target, { minLength: 0, maxLength: 3 }),
    dup: fc.boolean(),
    spare: spareArb,
  })
  .map(
    (a) =>
      new Step('destroy', a, (ref) => {
        const caps = a.targets.map((t) => resolveDest(ref, t));
        if (a.dup && caps.length > 0) caps.push(caps[0]);
        const spare = resolvePick(ref, { kind: 'free', k: 0 });
        return [{ op: Op.Destroy, caps: a.spare ? caps.map((c) => (namesVital(ref, c) ? spare : c)) : caps }];
      }),
  );

/** Destroys every cap of init's CSpace naming the picked cap's object: usually its death. */
const destroyObject = fc.record({ pick: pickArb(), spare: spareArb }).map(
  (a) =>
    new Step('destroyObject', a, (ref) => {
      const caddr = resolvePick(ref, a.pick);
      const cap = typeof caddr === 'number' ? ref.capAt(caddr) : undefined;
      if (!cap) return [{ op: Op.Destroy, caps: [caddr] }];
      if (a.spare && namesVital(ref, caddr)) return [{ op: Op.Destroy, caps: [] }];
      const caps = [...ref.initSlots()].filter(([, c]) => c.type === cap.type && c.obj === cap.obj).map(([i]) => i);
      return [{ op: Op.Destroy, caps }];
    }),
);

/**
 * Churn in one area: allocate a few objects one by one, destroy some of them
 * in a random order, allocate more: fragmentation, first fit, fresh again.
 */
const churn = fc
  .record({
    mem: pickArb(T.Memory, true),
    first: fc.array(smallObject, { minLength: 2, maxLength: 6 }),
    kills: fc.array(fc.nat(5), { maxLength: 6 }),
    then: fc.array(smallObject, { maxLength: 3 }),
  })
  .map(
    (a) =>
      new Step('churn', a, (ref) => {
        const cap = resolvePick(ref, a.mem);
        const slots = [...a.first, ...a.then].map((_, k) => resolvePick(ref, { kind: 'free', k }));
        const alloc = (o: { type: number; size?: number }, k: number) => ({ op: Op.Alloc, cap, ...o, dest: slots[k] });
        return [
          ...a.first.map(alloc),
          ...a.kills.map((k) => ({ op: Op.Destroy, caps: [slots[k % a.first.length]] })),
          ...a.then.map((o, k) => alloc(o, a.first.length + k)),
        ];
      }),
  );

/** A new Task with a new CSpace (and maybe a VSpace and a badged fault Endpoint), configured. */
const taskSetup = fc
  .record({
    mem: pickArb(T.Memory, true),
    radix: fc.integer({ min: 1, max: 4 }),
    vspace: fc.boolean(),
    fault: fc.boolean(),
    badge: badgeArb,
  })
  .map(
    (a) =>
      new Step('taskSetup', a, (ref) => {
        const cap = resolvePick(ref, a.mem);
        const [task, cspace, vspace, ep, badged] = [0, 1, 2, 3, 4].map((k) => resolvePick(ref, { kind: 'free', k }));
        return [
          { op: Op.Alloc, cap, type: T.Task, dest: task },
          { op: Op.Alloc, cap, type: T.CSpace, size: a.radix, dest: cspace },
          ...(a.vspace ? [{ op: Op.Alloc, cap, type: T.VSpace, dest: vspace }] : []),
          ...(a.fault
            ? [
                { op: Op.Alloc, cap, type: T.Endpoint, dest: ep },
                { op: Op.Copy, cap: ep, dest: badged, badge: a.badge },
              ]
            : []),
          { op: Op.Configure, cap: task, cspace, vspace: a.vspace ? vspace : undefined, fault: a.fault ? badged : undefined },
        ];
      }),
  );

const identify = pickArb().map((p) => new Step('identify', p, (ref) => [{ op: Op.Identify, cap: resolvePick(ref, p) }]));
const freePages = pickArb(T.Memory).map(
  (p) => new Step('freePages', p, (ref) => [{ op: Op.FreePages, cap: resolvePick(ref, p) }]),
);

const maybe = <V>(arb: fc.Arbitrary<V>) => fc.option(arb, { nil: undefined, freq: 2 });
const configure = fc
  .record({
    task: pickArb(T.Task),
    cspace: pickArb(T.CSpace, true),
    vspace: maybe(pickArb(T.VSpace, true)),
    fault: maybe(pickArb(T.Endpoint, true)),
  })
  .map(
    (a) =>
      new Step('configure', a, (ref) => {
        const opt = (p: typeof a.vspace) => (p === undefined ? undefined : resolvePick(ref, p));
        const cap = resolvePick(ref, a.task);
        return [{ op: Op.Configure, cap, cspace: resolvePick(ref, a.cspace), vspace: opt(a.vspace), fault: opt(a.fault) }];
      }),
  );

const other = fc
  .record({ op: otherOp, cap: pickArb() })
  .map(
    (a) =>
      new Step('otherOp', a, (ref) => {
        const cap = resolvePick(ref, a.cap);
        const type = typeof cap === 'number' ? ref.capAt(cap)?.type : undefined;
        const home = typeof a.op === 'number' ? FOREIGN_OPS.get(a.op) : undefined;
        return [{ op: type !== undefined && home?.includes(type) ? 99 : a.op, cap }];
      }),
  );

const malformed = fc
  .constantFrom<unknown>(
    null, undefined, 7, 'alloc', [], [Op.Identify, 0], {}, { op: Op.Destroy }, { op: Op.Destroy, caps: 3 },
    { op: Op.Destroy, caps: [1.5] }, { op: Op.Destroy, caps: [0, -1] }, { op: Op.Destroy, caps: [{ cspace: 0 }] },
    { op: Op.Alloc }, { op: Op.Alloc, cap: 16 }, { op: Op.Alloc, cap: 16, type: T.Endpoint },
    { op: Op.Copy, cap: 3 }, { op: Op.Move, cap: 3, dest: { slot: 5 } }, { op: Op.Configure, cap: 2 },
    { op: Op.FreePages }, { op: Op.Identify }, { op: '1', cap: 0 },
  )
  .map((req) => new Step('malformed', req, () => [req]));

export const commandArb = fc.oneof(
  { weight: 8, arbitrary: alloc },
  { weight: 5, arbitrary: copy },
  { weight: 1, arbitrary: copyMany },
  { weight: 1, arbitrary: destroyBulk },
  { weight: 3, arbitrary: move },
  { weight: 4, arbitrary: destroy },
  { weight: 3, arbitrary: destroyObject },
  { weight: 3, arbitrary: churn },
  { weight: 1, arbitrary: identify },
  { weight: 1, arbitrary: freePages },
  { weight: 2, arbitrary: configure },
  { weight: 1, arbitrary: taskSetup },
  { weight: 1, arbitrary: other },
  { weight: 1, arbitrary: malformed },
);

