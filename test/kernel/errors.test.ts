// The order of checks (docs/semantics.md §12): each call here fails two checks at
// once, and the earlier check in the documented order must decide. Then
// hostile argument values: an errno every time, never a throw.

import { describe, expect, it } from 'vitest';
import { Errno, ObjectType as T, Op, Rights } from '../../src/kernel/index.ts';
import { coreSystem } from './harness.ts';

function setup() {
  const sys = coreSystem({ pages: 4096 });
  expect(sys.alloc(16, T.Memory, 100, { size: 8 })).toBe('OK'); // 7 free pages
  expect(sys.copy(101, 100, { rights: Rights.READ })).toBe('OK'); // read-only Memory
  expect(sys.alloc(16, T.Page, 102)).toBe('OK');
  expect(sys.alloc(16, T.Endpoint, 103)).toBe('OK');
  expect(sys.alloc(16, T.CSpace, 104, { size: 2 })).toBe('OK');
  expect(sys.copy(105, 104, { rights: Rights.READ })).toBe('OK'); // read-only CSpace
  expect(sys.alloc(16, T.Page, 106)).toBe('OK'); // an occupied destination
  return sys;
}

describe('error order', () => {
  it.each([
    ['invoked caddr before operation', Op.Alloc, { cap: 999, type: 999, dest: 'x' }, 'EBADF'],
    ['invoked caddr before an unknown operation', 4242, { cap: 70_000 }, 'EBADF'],
    ['operation before rights', Op.Alloc, { cap: 102, type: T.Page, dest: 200 }, 'ENOTSUP'],
    ['unknown operation on a valid cap', 4242, { cap: 100 }, 'ENOTSUP'],
    ['operation before rights (read-only Page has no ALLOC)', Op.FreePages, { cap: 102 }, 'ENOTSUP'],
    ['rights before argument caps', Op.Alloc, { cap: 101, type: T.Page, dest: 70_000 }, 'EPERM'],
    ['rights before parameters', Op.Alloc, { cap: 101, type: 99, dest: 200 }, 'EPERM'],
    ['argument caps before parameters', Op.Alloc, { cap: 100, type: 99, dest: { cspace: 102, slot: 0 } }, 'EBADF'],
    ['argument cap rights before parameters', Op.Alloc, { cap: 100, type: 99, dest: { cspace: 105, slot: 0 } }, 'EPERM'],
    ['parameters before destination', Op.Alloc, { cap: 100, type: 99, dest: 106 }, 'EINVAL'],
    ['bad size before destination', Op.Alloc, { cap: 100, type: T.CSpace, size: 0, dest: 106 }, 'EINVAL'],
    ['bad count before destination', Op.Alloc, { cap: 100, type: T.Page, count: 0, dest: 106 }, 'EINVAL'],
    ['destination before resources', Op.Alloc, { cap: 100, type: T.Memory, size: 100, dest: 106 }, 'EEXIST'],
    ['resources last', Op.Alloc, { cap: 100, type: T.Memory, size: 100, dest: 200 }, 'ENOMEM'],
    ['copy: invoked Null before bad destination', Op.Copy, { cap: 300, dest: 70_000 }, 'EBADF'],
    ['copy: Reply-free ENOTSUP is not reached for a Null slot', Op.Copy, { cap: 301, dest: 200 }, 'EBADF'],
    ['copy: destination cap before parameters', Op.Copy, { cap: 103, dest: { cspace: 105, slot: 1 }, rights: 99 }, 'EPERM'],
    ['copy: parameters before destination', Op.Copy, { cap: 102, dest: 106, badge: 3 }, 'EINVAL'],
    ['copy: rights mask before destination', Op.Copy, { cap: 103, dest: 106, rights: -1 }, 'EINVAL'],
    ['move: source before destination', Op.Move, { cap: 300, dest: 106 }, 'EBADF'],
    ['move: destination range before occupancy', Op.Move, { cap: 102, dest: { cspace: 104, slot: 4 } }, 'EBADF'],
    ['configure: operation before rights', Op.Configure, { cap: 102, cspace: 999 }, 'ENOTSUP'],
    ['configure: argument caps before state', Op.Configure, { cap: 2, cspace: 102 }, 'EBADF'],
    ['configure: state of a running task', Op.Configure, { cap: 2, cspace: 0 }, 'EBUSY'],
  ])('%s', (_name, op, args, expected) => {
    const sys = setup();
    const free = sys.free(16);
    expect(sys.errno(op, args)).toBe(expected);
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });

  it('copy: ERANGE comes after EEXIST', () => {
    const sys = setup();
    for (let i = 0; i < 255; i++) expect(sys.copy(1000 + i, 103)).toBe('OK');
    expect(sys.copy(106, 103)).toBe('EEXIST');
    expect(sys.copy(200, 103)).toBe('ERANGE');
  });

  it('destroy checks every cap before destroying any', () => {
    const sys = setup();
    expect(sys.destroy(102, 70_000)).toBe('EBADF');
    expect(sys.identify(102).type).toBe(T.Page);
    expect(sys.destroy(102, { cspace: 105, slot: 0 })).toBe('EPERM');
    expect(sys.identify(102).type).toBe(T.Page);
    sys.clean();
  });
});

describe('hostile arguments', () => {
  const bad: unknown[] = [
    NaN, -1, -0.5, 1.5, Infinity, -Infinity, 2 ** 53, 2 ** 32, 1e300, '16', '', 'abc', null, undefined, true,
    {}, [], [16], { cspace: 0 }, { slot: 1 }, { cspace: NaN, slot: 1 }, { cspace: 0, slot: -1 }, Symbol('x'), () => 16,
    BigInt(16),
  ];
  const errnos = new Set<number>(Object.values(Errno));

  it('never throws and always answers with a known errno', () => {
    const sys = setup();
    const { kernel, init } = sys;
    const ops = [...Object.values(Op), 0, -1, 999, 1.5, NaN, 'Alloc', undefined, null];
    const check = (request: unknown) => {
      const r = kernel.invoke(init, request);
      if (r === null) return; // blocked (a recv or call): init's next calls are EBUSY, still an errno
      expect(r.errno === 0 || errnos.has(r.errno), `errno ${r.errno} for ${String(request)}`).toBe(true);
    };
    for (const request of [null, undefined, 0, 'alloc', [], [Op.Alloc], Symbol('s'), () => 1]) check(request);
    for (const op of ops) {
      for (const v of bad) {
        check({ op, cap: v });
        check({ op, cap: 100, type: v, dest: 200 });
        check({ op, cap: 100, type: T.CSpace, size: v, dest: 200 });
        check({ op, cap: 100, type: T.Page, dest: v });
        check({ op, cap: 100, type: T.Page, dest: 300, count: v });
        check({ op, cap: 103, dest: 300, rights: v });
        check({ op, cap: 103, dest: 300, badge: v });
        check({ op, caps: v });
        check({ op, caps: [v] });
        check({ op, cap: 2, cspace: v, vspace: v, fault: v });
      }
    }
    sys.clean();
  });

  it.each([
    ['fractional caddr', { cap: 16.5 }, 'EBADF'],
    ['NaN caddr', { cap: NaN }, 'EBADF'],
    ['string caddr', { cap: '16' }, 'EBADF'],
    ['negative caddr', { cap: -16 }, 'EBADF'],
    ['caddr past the CSpace', { cap: 65_536 }, 'EBADF'],
  ])('FreePages with a %s is %s', (_name, args, expected) => {
    const sys = setup();
    expect(sys.errno(Op.FreePages, args)).toBe(expected);
  });

  it.each([
    ['fractional count', { count: 1.5 }],
    ['null count', { count: null }],
    ['zero count', { count: 0 }],
    ['huge count', { count: 2 ** 31 }],
    ['string count', { count: '2' }],
    ['size on a Page', { size: 1 }],
    ['fractional radix', { type: T.CSpace, size: 2.5 }],
    ['radix 17', { type: T.CSpace, size: 17 }],
    ['missing Memory size', { type: T.Memory }],
    ['huge Memory size', { type: T.Memory, size: 2 ** 40 }],
    ['Null type', { type: T.Null }],
    ['Reply type', { type: T.Reply }],
    ['Console type', { type: T.Console }],
    ['missing type', { type: undefined }],
  ])('ALLOC with a %s is EINVAL', (_name, args) => {
    const sys = setup();
    expect(sys.errno(Op.Alloc, { cap: 16, type: T.Page, dest: 300, ...args })).toBe('EINVAL');
    expect(sys.identify(300).type).toBe(T.Null);
  });

  it('a request that is not an object is EINVAL', () => {
    const sys = setup();
    expect(sys.kernel.invoke(sys.init, null)?.errno).toBe(Errno.EINVAL);
    expect(sys.kernel.invoke(sys.init, 'identify')?.errno).toBe(Errno.EINVAL);
  });
});
