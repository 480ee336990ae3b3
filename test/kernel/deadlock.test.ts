// Deadlocks by capability reachability (src/kernel/deadlock.ts): a blocked
// task is reported exactly when no task that can act holds a way to wake it.
import { describe, expect, it } from 'vitest';
import { ObjectType as T, Op } from '../../src/kernel/index.ts';
import { coreSystem, spawn } from './harness.ts';

const phys = (page: number) => page * 4096;

/** Tasks A and B, each with the Endpoints 50 (A's) and 51 (B's) in slots 0 and 1 of its CSpace. */
function twoServers(initKeeps: number[] = []) {
  const sys = coreSystem();
  expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
  expect(sys.alloc(16, T.Endpoint, 51)).toBe('OK');
  const a = spawn(sys, 100, 101);
  const b = spawn(sys, 110, 111);
  for (const cspace of [101, 111]) {
    expect(sys.copy({ cspace, slot: 0 }, 50)).toBe('OK');
    expect(sys.copy({ cspace, slot: 1 }, 51)).toBe('OK');
  }
  for (const slot of [50, 51]) if (!initKeeps.includes(slot)) expect(sys.destroy(slot)).toBe('OK');
  sys.kernel.takeEffects();
  return { sys, a, b };
}

describe('deadlocks', () => {
  it('two servers that call each other, with nobody else holding their Endpoints, are a deadlock', () => {
    const { sys, a, b } = twoServers();
    expect(sys.kernel.deadlocks()).toEqual([]);
    expect(sys.kernel.invoke(a, { op: Op.Call, cap: 1 })).toBeNull(); // A calls B's Endpoint
    expect(sys.kernel.deadlocks()).toEqual([]); // B can still receive it
    expect(sys.kernel.invoke(b, { op: Op.Call, cap: 0 })).toBeNull(); // B calls A's
    const found = sys.kernel.deadlocks();
    expect(found.map((d) => [d.task, d.waiting, d.object.type, d.caddr, d.holders])).toEqual([
      [phys(a), 'call', 'Endpoint', 1, [phys(a), phys(b)]],
      [phys(b), 'call', 'Endpoint', 0, [phys(a), phys(b)]],
    ]);
    expect(found[0].object.phys).not.toBe(found[1].object.phys);
    sys.clean();
  });

  it('is not one while a task that can act holds a cap to an Endpoint they wait on', () => {
    const { sys, a, b } = twoServers([50]);
    sys.kernel.invoke(a, { op: Op.Call, cap: 1 });
    sys.kernel.invoke(b, { op: Op.Call, cap: 0 });
    expect(sys.kernel.deadlocks()).toEqual([]); // init can receive B's call, and B then A's
    expect(sys.destroy(50)).toBe('OK');
    expect(sys.kernel.deadlocks()).toHaveLength(2);
  });

  it('a caller whose call was taken waits on the holder of its Reply cap', () => {
    const { sys, a, b } = twoServers();
    sys.kernel.invoke(a, { op: Op.Call, cap: 1 });
    expect(sys.kernel.invoke(b, { op: Op.Recv, cap: 1 })?.errno).toBe(0); // B holds A's Reply cap
    expect(sys.kernel.invoke(b, { op: Op.Call, cap: 0 })).toBeNull(); // and calls A, who waits for the answer
    expect(sys.kernel.deadlocks().map((d) => [d.task, d.waiting, d.object.type, d.caddr, d.holders])).toEqual([
      [phys(a), 'answer', 'Reply', null, [phys(b)]],
      [phys(b), 'call', 'Endpoint', 0, [phys(a), phys(b)]],
    ]);
  });

  it('a stored Reply cap counts for the tasks bound to the CSpace it is in', () => {
    const sys = coreSystem();
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    const a = spawn(sys, 100, 101);
    expect(sys.copy({ cspace: 101, slot: 0 }, 50)).toBe('OK');
    sys.kernel.invoke(a, { op: Op.Call, cap: 0 });
    expect(sys.errno(Op.Recv, { cap: 50 })).toBe('OK');
    expect(sys.errno(Op.StoreReply, { dest: 400 })).toBe('OK');
    expect(sys.kernel.deadlocks()).toEqual([]); // init can answer A
    // Into A's own CSpace: init can reach that CSpace, but cannot invoke what is in it.
    expect(sys.move({ cspace: 101, slot: 5 }, 400)).toBe('OK');
    expect(sys.kernel.deadlocks().map((d) => [d.task, d.waiting, d.object, d.holders])).toEqual([[phys(a), 'answer', { type: 'Reply', phys: phys(a) }, [phys(a)]]]);
    sys.clean();
  });

  it('a task waiting on a Notification only it holds is deadlocked alone; init blocked for good is too', () => {
    const sys = coreSystem();
    const a = spawn(sys, 100, 101);
    expect(sys.alloc(16, T.Notification, { cspace: 101, slot: 0 })).toBe('OK');
    expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
    expect(sys.kernel.invoke(a, { op: Op.Wait, cap: 0 })).toBeNull();
    expect(sys.kernel.deadlocks().map((d) => [d.task, d.waiting, d.object.type, d.holders])).toEqual([[phys(a), 'wait', 'Notification', [phys(a)]]]);
    // init receives on an Endpoint nobody else holds: now nothing can act at all.
    expect(sys.errno(Op.Recv, { cap: 50 })).toBe('BLOCKED');
    expect(sys.kernel.deadlocks().map((d) => d.task).sort()).toEqual([phys(sys.init), phys(a)].sort());
  });

  it('a suspended holder counts while a task that can act may resume it', () => {
    const { sys, a, b } = twoServers();
    sys.kernel.invoke(a, { op: Op.Call, cap: 1 }); // only B can take it
    expect(sys.errno(Op.Suspend, { cap: 110 })).toBe('OK');
    expect(sys.kernel.deadlocks()).toEqual([]); // init holds B's Task cap and can resume it
    // Give B's Task cap to B alone: nobody can resume it now.
    expect(sys.move({ cspace: 111, slot: 9 }, 110)).toBe('OK');
    expect(sys.kernel.deadlocks().map((d) => [d.task, d.holders])).toEqual([[phys(a), [phys(a), phys(b)]]]);
  });

  it('a ready task that holds nothing deadlocks nobody, and finding deadlocks changes nothing', () => {
    const { sys, a } = twoServers();
    sys.kernel.invoke(a, { op: Op.Recv, cap: 0 });
    const before = JSON.stringify([...sys.kernel.waits.records]);
    expect(sys.kernel.deadlocks()).toEqual([]); // B is ready and holds A's Endpoint
    expect(JSON.stringify([...sys.kernel.waits.records])).toBe(before);
    sys.clean();
  });
});
