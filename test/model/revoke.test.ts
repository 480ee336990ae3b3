// Regressions found by the model-based test: a Memory object and an object
// allocated from it dying in one cascade, the object torn down first. The
// object's pages must go back to the dying area before the area is torn down
// (fixed in b6f2511; before, invoke threw "kernel bug: page N is marked in
// area M but starts no object of it" and left M half-destroyed).

import { describe, expect, it } from 'vitest';
import { ObjectType as T, Op, bootKernel } from '../../src/kernel/index.ts';
import { RefKernel } from './reference.ts';

function setup() {
  const { kernel, init } = bootKernel({ pages: 400 });
  const ref = new RefKernel(400);
  const run = (req: object) => {
    const expected = ref.invoke(req);
    const actual = kernel.invoke(init, req);
    const want = { errno: expected.errno, value: expected.value };
    expect(actual && { errno: actual.errno, value: actual.value }, JSON.stringify(req)).toStrictEqual(want);
  };
  const free = () => kernel.invoke(init, { op: Op.FreePages, cap: 16 })?.value;
  return { kernel, run, free, bootFree: free() };
}

describe('revoke order: a Memory object and an object from it die in one cascade', () => {
  it('a CSpace allocated from M holding the last cap of M can be destroyed', () => {
    const { kernel, run, free, bootFree } = setup();
    run({ op: Op.Alloc, cap: 16, type: T.Memory, size: 10, dest: 20 }); // M
    run({ op: Op.Alloc, cap: 20, type: T.CSpace, size: 1, dest: 21 }); // X, from M
    run({ op: Op.Move, cap: 20, dest: { cspace: 21, slot: 0 } }); // X holds M's only cap
    run({ op: Op.Destroy, caps: [21] }); // X dies, then M: all 10 pages come back
    expect(kernel.check()).toEqual([]);
    expect(free()).toBe(bootFree);
  });

  it('a CSpace holding the last caps of M and of an Endpoint from M can be destroyed', () => {
    const { kernel, run, free, bootFree } = setup();
    run({ op: Op.Alloc, cap: 16, type: T.CSpace, size: 1, dest: 30 }); // Y
    run({ op: Op.Alloc, cap: 16, type: T.Memory, size: 10, dest: 20 }); // M
    run({ op: Op.Alloc, cap: 20, type: T.Endpoint, dest: 21 }); // E, from M
    run({ op: Op.Move, cap: 20, dest: { cspace: 30, slot: 0 } });
    run({ op: Op.Move, cap: 21, dest: { cspace: 30, slot: 1 } });
    // Y's teardown drops M's last cap (slot 0), then E's (slot 1); the work
    // list tears E down first, while M is already dying.
    run({ op: Op.Destroy, caps: [30] });
    expect(kernel.check()).toEqual([]);
    expect(free()).toBe(bootFree);
  });
});
