// P5's subjects: booted systems whose boot Memory area is fragmented, built
// outside any timing. Two shapes of fragmentation:
//
// - holes: the area is filled to about 98 % with a seeded mix of Pages and
//   small Memory children (2..32 pages; a child zeroes only its metadata page,
//   so 4 GiB fills in seconds), then a seeded random half of the Pages and a
//   quarter of the children are destroyed: holes of 1..32 pages spread over
//   the whole area, in the same proportions at every size. Capabilities beyond
//   init's 65,536 slots go into extra radix-16 CSpaces, named { cspace, slot }.
// - open top: the area's bottom holds a few objects and the most recent one
//   was destroyed, so the area is fragmented and its lowest free run is all
//   the rest of the area (the everyday case: allocate, free the last thing).

import { bootKernel, errnoName, ObjectType, Op, PAGE_SIZE } from '../src/kernel/index.ts';
import type { Kernel, SyscallResult } from '../src/kernel/index.ts';
import { seededRandom } from './harness.ts';

export const SEED = 0x5eed_0005;
/** Fraction of the area left free at its top after the fill. */
const TAIL_FRACTION = 0.02;
const PAGE_FREE_ODDS = 0.5;
const CHILD_FREE_ODDS = 0.25;
const CSPACE_RADIX = 16;
const SLOTS_PER_CSPACE = 1 << CSPACE_RADIX;
/** Mean pages of one fill object: half Pages (1), half children (2..32, mean 17). */
const MEAN_OBJECT_PAGES = 9;
const DESTROY_BATCH = 4096;
/** Pages live below the open top. */
const OPEN_TOP_PREFIX = 1024;

/** A destination argument: a caddr of init's CSpace or a slot of another CSpace. */
export type Dest = number | { cspace: number; slot: number };

/** How the area looked when the timed loops began. */
export interface P5Area {
  /** Pages of the boot Memory area (physical memory less the kernel's and init's). */
  pages: number;
  livePages: number;
  liveChildren: number;
  extraCSpaces: number;
  freePages: number;
  /** Free runs below the free top of the area. */
  holes: number;
  /** Page index in the area of the lowest free page, where first fit lands. */
  lowestFree: number;
  /** Length of the free run that starts there. */
  lowestRun: number;
}

/** One booted system with a fragmented area, ready for timed loops. */
export interface P5Subject {
  physicalPages: number;
  kernel: Kernel;
  init: number;
  /** init's caddr of the boot Memory cap. */
  memory: number;
  /** The fixed loop's slot: init's last slot. */
  slot: number;
  /** The churn loop's empty slot, and the live Page caps it may destroy. */
  spare: Dest;
  pages: Dest[];
  random: () => number;
  area: P5Area;
  setupMs: number;
  freeBefore: number;
}

export function expectOk(result: SyscallResult | null, what: string): asserts result is SyscallResult {
  if (result === null) throw new Error(`P5: ${what} blocked`);
  if (result.errno !== 0) throw new Error(`P5: ${what} failed with ${errnoName(result.errno) ?? result.errno}`);
}

export function freePages(kernel: Kernel, init: number, memory: number): number {
  const r = kernel.invoke(init, { op: Op.FreePages, cap: memory });
  expectOk(r, 'GET_FREE_PAGES');
  return r.value as number;
}

/**
 * Hands out empty slots for the fill: slots of extra radix-16 CSpaces, all
 * allocated before the fill so they lie at the bottom of the area. (They must:
 * the core mis-addresses slots of a CSpace above 2 GiB, see docs/benchmarks.md.)
 */
class CapStore {
  private readonly cspaces: number[] = [];
  private used = 0;

  constructor(kernel: Kernel, init: number, memory: number, firstFree: number, slotsNeeded: number) {
    const count = Math.ceil(slotsNeeded / SLOTS_PER_CSPACE);
    for (let k = 0; k < count; k++) {
      const caddr = firstFree + k;
      const r = kernel.invoke(init, { op: Op.Alloc, cap: memory, type: ObjectType.CSpace, size: CSPACE_RADIX, dest: caddr });
      expectOk(r, 'allocating an extra CSpace');
      this.cspaces.push(caddr);
    }
  }

  get count(): number {
    return this.cspaces.length;
  }

  next(): Dest {
    const k = Math.floor(this.used / SLOTS_PER_CSPACE);
    if (k >= this.cspaces.length) throw new Error('P5 setup: the extra CSpaces are full');
    return { cspace: this.cspaces[k], slot: this.used++ % SLOTS_PER_CSPACE };
  }
}

/** The holes shape: filled, then a seeded random subset destroyed. */
export function prepareHoles(physicalPages: number): P5Subject {
  const started = performance.now();
  const { kernel, init, bootInfo } = bootKernel({ pages: physicalPages });
  const { cap: memory, phys, pages } = bootInfo.memory[0];
  const random = seededRandom(SEED ^ physicalPages);
  const reserve = Math.max(512, Math.ceil(pages * TAIL_FRACTION));
  const slotsNeeded = Math.ceil((1.25 * (pages - reserve)) / MEAN_OBJECT_PAGES);
  const store = new CapStore(kernel, init, memory, bootInfo.free.start, slotsNeeded);

  const held: Array<{ dest: Dest; child: boolean }> = [];
  let free = freePages(kernel, init, memory);
  while (free > reserve) {
    const child = random() < 0.5;
    const size = child ? 2 + Math.floor(random() * 31) : 1;
    const dest = store.next();
    const r = kernel.invoke(init, child
      ? { op: Op.Alloc, cap: memory, type: ObjectType.Memory, size, dest }
      : { op: Op.Alloc, cap: memory, type: ObjectType.Page, dest });
    expectOk(r, `allocating a ${child ? 'Memory child' : 'Page'}`);
    held.push({ dest, child });
    free = freePages(kernel, init, memory);
  }

  let batch: Dest[] = [];
  const flush = () => {
    if (batch.length > 0) expectOk(kernel.invoke(init, { op: Op.Destroy, caps: batch }), 'destroying the holes');
    batch = [];
  };
  const livePages: Dest[] = [];
  let liveChildren = 0;
  for (const h of held) {
    if (random() < (h.child ? CHILD_FREE_ODDS : PAGE_FREE_ODDS)) {
      batch.push(h.dest);
      if (batch.length === DESTROY_BATCH) flush();
    } else if (h.child) liveChildren++;
    else livePages.push(h.dest);
  }
  flush();

  const base = phys / PAGE_SIZE;
  prefaultHoles(kernel, base);
  return finish({ kernel, init, memory, base, slotsEnd: bootInfo.free.end, started, random, livePages, liveChildren, extraCSpaces: store.count });
}

/** The open-top shape: a few Pages at the bottom, the most recent one destroyed. */
export function prepareOpenTop(physicalPages: number): P5Subject {
  const started = performance.now();
  const { kernel, init, bootInfo } = bootKernel({ pages: physicalPages });
  const { cap: memory, phys } = bootInfo.memory[0];
  const first = bootInfo.free.start;
  const r = kernel.invoke(init, { op: Op.Alloc, cap: memory, type: ObjectType.Page, dest: first, count: OPEN_TOP_PREFIX });
  expectOk(r, 'allocating the bottom Pages');
  const last = first + OPEN_TOP_PREFIX - 1;
  expectOk(kernel.invoke(init, { op: Op.Destroy, caps: [last] }), 'destroying the top Page');
  return finish({
    kernel, init, memory,
    base: phys / PAGE_SIZE,
    slotsEnd: bootInfo.free.end,
    started,
    random: seededRandom(SEED ^ physicalPages),
    livePages: Array.from({ length: OPEN_TOP_PREFIX - 1 }, (_, k) => first + k),
    liveChildren: 0,
    extraCSpaces: 0,
  });
}

/** What a shape's setup hands over to be measured and checked. */
interface Built {
  kernel: Kernel;
  init: number;
  memory: number;
  /** First page of the area. */
  base: number;
  /** End of init's CSpace: its last two slots serve the loops. */
  slotsEnd: number;
  started: number;
  random: () => number;
  livePages: Dest[];
  liveChildren: number;
  extraCSpaces: number;
}

function finish(b: Built): P5Subject {
  const { kernel, init, memory, base, livePages } = b;
  const slot = b.slotsEnd - 1;
  const area: P5Area = {
    pages: kernel.core.areas.pagesOf(base),
    livePages: livePages.length,
    liveChildren: b.liveChildren,
    extraCSpaces: b.extraCSpaces,
    freePages: freePages(kernel, init, memory),
    ...holesOf(kernel, base),
  };
  checkFirstFit(kernel, init, memory, slot, base + area.lowestFree);
  return {
    physicalPages: kernel.core.phys.pages, kernel, init, memory, slot,
    random: b.random,
    spare: slot - 1,
    pages: livePages,
    area,
    setupMs: Math.round(performance.now() - b.started),
    freeBefore: area.freePages,
  };
}

/** Reads the area's bitmap (core internals, outside any timing): its holes. */
function holesOf(kernel: Kernel, base: number): { holes: number; lowestFree: number; lowestRun: number } {
  const areas = kernel.core.areas;
  if (!areas.isFragmented(base)) throw new Error('P5 setup: the area is not fragmented');
  const n = areas.pagesOf(base);
  const lowestFree = areas.nextClear(base, 0, n);
  const lowestRun = areas.nextSet(base, lowestFree, n) - lowestFree;
  let holes = 0;
  for (let i = lowestFree; i < n; ) {
    const end = areas.nextSet(base, i, n);
    if (end < n) holes++;
    i = areas.nextClear(base, end, n);
  }
  return { holes, lowestFree, lowestRun };
}

/**
 * Makes the host commit every free page of the area (a write of the byte
 * already there, so nothing changes). The physical memory buffer is committed
 * by the host on first touch, which a real machine's RAM never needs; without
 * this the churn loop would time Linux's page faults, not the kernel.
 */
function prefaultHoles(kernel: Kernel, base: number): void {
  const { areas, phys } = kernel.core;
  const n = areas.pagesOf(base);
  for (let i = areas.nextClear(base, 0, n); i < n; i = areas.nextClear(base, i + 1, n)) {
    const at = (base + i) * PAGE_SIZE;
    phys.bytes[at] = phys.bytes[at];
  }
}

/** One untimed pair: the Page must land in the lowest hole (first fit). */
function checkFirstFit(kernel: Kernel, init: number, memory: number, slot: number, expected: number): void {
  expectOk(kernel.invoke(init, { op: Op.Alloc, cap: memory, type: ObjectType.Page, dest: slot }), 'the probe ALLOC');
  const id = kernel.invoke(init, { op: Op.Identify, cap: slot });
  expectOk(id, 'identify');
  const page = (id.value as { phys: number }).phys / PAGE_SIZE;
  if (page !== expected) throw new Error(`P5 setup: first fit placed the Page at page ${page}, expected the lowest hole ${expected}`);
  expectOk(kernel.invoke(init, { op: Op.Destroy, caps: [slot] }), 'the probe DESTROY');
}
