// The kernel's entrances that must never be wrong fail loudly at the cause:
// an area asked to take pages it has already given out, or to give back
// pages that are free, or pages outside it, and a slot filled while it holds
// a cap, throw KernelBug at once (a task's bad argument is an errno instead,
// decided before anything changes).

import { describe, expect, it } from 'vitest';
import { KernelBug } from '../../src/kernel/assert.ts';
import { lookup } from '../../src/kernel/cspace.ts';
import { bootKernel, ObjectType as T, Op, pageOf } from '../../src/kernel/index.ts';

function booted() {
  const { kernel, init, bootInfo } = bootKernel({ pages: 4096 });
  const mem = bootInfo.memory[0];
  expect(kernel.invoke(init, { op: Op.Alloc, cap: mem.cap, type: T.Page, dest: 40, count: 2 })?.errno).toBe(0);
  const core = kernel.core;
  /** The slot init's caddr names. */
  const slot = (caddr: number) => lookup(core, init, caddr);
  return { core, kernel, init, area: pageOf(mem.phys), slot, page: core.slots.object(slot(40)) };
}

describe('kernel assertions', () => {
  it('an area refuses to take pages already taken, or to give pages already free', () => {
    const { core, area, page } = booted();
    expect(() => core.areas.take(area, page, 1)).toThrow(KernelBug);
    expect(() => core.areas.take(area, page, 1)).toThrow(/take of pages already taken/);
    const free = core.areas.nextClear(area, page - area, core.areas.pagesOf(area)) + area;
    expect(() => core.areas.give(area, free, 1)).toThrow(/give of pages already free/);
    expect(() => core.areas.give(area, page, 1)).not.toThrow();
    expect(() => core.areas.give(area, page, 1)).toThrow(KernelBug);
  });

  it('an area refuses runs outside its pages or inside its own metadata', () => {
    const { core, area } = booted();
    const pages = core.areas.pagesOf(area);
    expect(() => core.areas.take(area, area + pages, 1)).toThrow(/outside the area/);
    expect(() => core.areas.take(area, area, 1)).toThrow(/outside the area/); // its header page
    expect(() => core.areas.take(area, area + pages - 1, 2)).toThrow(/outside the area/);
    expect(() => core.areas.take(area, area + pages - 1, 0)).toThrow(/outside the area/);
  });

  it('a slot is filled only while it is Null', () => {
    const { core, slot } = booted();
    const s = slot(40);
    expect(() => core.slots.fill(s, T.Page, 7, core.slots.object(s), 0)).toThrow(/fill of slot .* which holds a cap/);
  });

  it('a bug found leaves the kernel as it was: the invariants still hold', () => {
    const { core, kernel, init, area, page } = booted();
    expect(() => core.areas.take(area, page, 1)).toThrow(KernelBug);
    // A run over 40 free pages and then a taken one: nothing of it is taken.
    const pages = core.areas.pagesOf(area);
    const freeRun = core.areas.nextClear(area, page - area, pages);
    expect(() => core.areas.take(area, area + freeRun, core.areas.nextSet(area, freeRun, pages) - freeRun + 1)).toThrow(/already taken|outside/);
    expect(kernel.check()).toEqual([]);
    expect(kernel.invoke(init, { op: Op.Destroy, caps: [40, 41] })?.errno).toBe(0);
    expect(kernel.check()).toEqual([]);
  });
});
