// Reference cycles (docs/decisions.md D18): a group of CSpaces and Tasks that
// only reference each other, with no running task among them, is destroyed as
// soon as the last reference from outside goes.

import { describe, expect, it } from 'vitest';
import { ObjectType as T, Op } from '../../src/kernel/index.ts';
import { coreSystem } from './harness.ts';

describe('reference cycles', () => {
  it('a CSpace holding a cap to itself dies with the last outside cap', () => {
    const sys = coreSystem({ pages: 4096 });
    const free = sys.free(16);
    expect(sys.alloc(16, T.CSpace, 100, { size: 4 })).toBe('OK');
    expect(sys.alloc(16, T.Page, 101)).toBe('OK');
    expect(sys.copy({ cspace: 100, slot: 0 }, 100)).toBe('OK'); // slot 0 names itself
    expect(sys.move({ cspace: 100, slot: 1 }, 101)).toBe('OK'); // and it holds the Page
    expect(sys.free(16)).toBe(free - 2);
    expect(sys.destroy(100)).toBe('OK');
    expect(sys.free(16)).toBe(free); // the CSpace and the Page it held
    sys.clean();
  });

  it('moving the only cap of a CSpace into itself frees it at once', () => {
    const sys = coreSystem({ pages: 4096 });
    const free = sys.free(16);
    expect(sys.alloc(16, T.CSpace, 100, { size: 3 })).toBe('OK');
    expect(sys.move({ cspace: 100, slot: 0 }, 100)).toBe('OK');
    expect(sys.free(16)).toBe(free);
    sys.clean();
  });

  it('a configured task and its CSpace that name each other die together', () => {
    const sys = coreSystem({ pages: 4096 });
    const free = sys.free(16);
    expect(sys.alloc(16, T.Task, 100)).toBe('OK');
    expect(sys.alloc(16, T.CSpace, 101, { size: 4 })).toBe('OK');
    expect(sys.alloc(16, T.Endpoint, 102)).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101, fault: 102 })).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 101)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 2 }, 100)).toBe('OK');
    expect(sys.destroy(101)).toBe('OK'); // still named by the task's binding
    expect(sys.free(16)).toBe(free - 3);
    expect(sys.identify(102).refs).toBe(2);
    expect(sys.destroy(100)).toBe('OK');
    expect(sys.free(16)).toBe(free - 1); // the Endpoint remains, held by init
    expect(sys.identify(102).refs).toBe(1);
    sys.clean();
  });

  it('keeps a cycle that a running task can still reach', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.CSpace, 100, { size: 4 })).toBe('OK');
    expect(sys.alloc(16, T.CSpace, 101, { size: 4 })).toBe('OK');
    expect(sys.copy({ cspace: 100, slot: 0 }, 101)).toBe('OK');
    expect(sys.copy({ cspace: 101, slot: 0 }, 100)).toBe('OK');
    expect(sys.copy(102, 100)).toBe('OK');
    expect(sys.destroy(100, 101)).toBe('OK'); // init still holds slot 102
    expect(sys.identify(102)).toMatchObject({ type: T.CSpace, refs: 2 });
    sys.clean();
    const free = sys.free(16);
    expect(sys.destroy(102)).toBe('OK');
    expect(sys.free(16)).toBe(free + 2);
    // Init's own CSpace names itself in slot 0 and is bound to init, which runs.
    expect(sys.identify(0)).toMatchObject({ type: T.CSpace, refs: 2 });
    sys.clean();
  });
});
