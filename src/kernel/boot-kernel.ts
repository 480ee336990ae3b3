// Boot (docs/semantics.md §11). Physical memory is itself an area, the root area, whose
// metadata sits at page 0 and which no capability names. The kernel allocates
// init's CSpace (radix 16), Task and VSpace from it, bottom up, makes the
// Console, and carves each region of the boot memory map into a Memory object
// handed to init. See docs/decisions.md for why a root area.

import { type BootInfo, MAX_MEMORY_PAGES, MIN_MEMORY_PAGES, ObjectType, PAGE_SIZE, physOf, Rights } from '../abi.ts';
import { Kernel } from './kernel.ts';
import { placeObject } from './memory.ts';
import { NET_DEVICE } from './net.ts';
import { NO_AREA } from './objects.ts';
import { Slots } from './slots.ts';
import { TaskState, Tcb, tcbWord } from './tcb.ts';

export const INIT_RADIX = 16;
/** Init's fixed slots. */
export const InitSlot = { CSpace: 0, VSpace: 1, Task: 2, Console: 3, Net: 4, FirstMemory: 16 } as const;
export const CONSOLE_DEVICE = 0;
export const ROOT_AREA = 0;

export interface CoreBootOptions {
  /** Pages of physical memory. */
  pages: number;
  /** Page counts of the Memory regions handed to init; default one with all the rest. */
  regions?: number[];
  argv?: string[];
  buffer?: SharedArrayBuffer;
  /** Loopback addresses ('127.0.0.1:6380') the Net cap may listen on; none: no Net cap. */
  net?: string[];
}

export interface BootedKernel {
  kernel: Kernel;
  /** First page of init's Task object: the caller id of init's system calls. */
  init: number;
  bootInfo: BootInfo;
}

/** Builds a kernel with init's objects and Memory caps in place, or throws RangeError. */
export function bootKernel(options: CoreBootOptions): BootedKernel {
  const { pages } = options;
  if (!Number.isInteger(pages) || pages < MIN_MEMORY_PAGES || pages > MAX_MEMORY_PAGES) {
    throw new RangeError(
      `physical memory must be ${MIN_MEMORY_PAGES} to ${MAX_MEMORY_PAGES} whole pages (${MIN_MEMORY_PAGES * 4} KiB to 4 GiB), got ${String(pages)}`,
    );
  }
  const kernel = new Kernel(pages, options.buffer);
  const core = kernel.core;
  core.areas.init(ROOT_AREA, pages, NO_AREA);
  core.objects.enter(ROOT_AREA, ObjectType.Memory, pages, pages, NO_AREA);

  const cspace = placeObject(core, ROOT_AREA, ObjectType.CSpace, INIT_RADIX);
  const init = placeObject(core, ROOT_AREA, ObjectType.Task);
  const vspace = placeObject(core, ROOT_AREA, ObjectType.VSpace);
  const left = core.areas.freeOf(ROOT_AREA);
  const regions = options.regions ?? [left];
  checkRegions(regions, left);

  const slot = (i: number) => Slots.index(cspace, i);
  core.slots.fill(slot(InitSlot.CSpace), ObjectType.CSpace, Rights.ALL, cspace, 0);
  core.slots.fill(slot(InitSlot.VSpace), ObjectType.VSpace, Rights.ALL, vspace, 0);
  core.slots.fill(slot(InitSlot.Task), ObjectType.Task, Rights.ALL, init, 0);
  core.slots.fill(slot(InitSlot.Console), ObjectType.Console, Rights.ALL, CONSOLE_DEVICE, 0);
  core.devices.refs[CONSOLE_DEVICE] = 1;
  const net = options.net ?? [];
  if (net.length > 0) {
    core.slots.fill(slot(InitSlot.Net), ObjectType.Net, Rights.ALL, NET_DEVICE, 0);
    core.devices.refs[NET_DEVICE] = 1;
    kernel.net.grant(net);
  }
  core.life.bind(ObjectType.CSpace, cspace, tcbWord(init, Tcb.CSpace));
  core.life.bind(ObjectType.VSpace, vspace, tcbWord(init, Tcb.VSpace));
  kernel.waits.admit(init);
  core.phys.words[tcbWord(init, Tcb.State)] = TaskState.Ready;

  const memory = regions.map((size, i) => {
    const page = placeObject(core, ROOT_AREA, ObjectType.Memory, size);
    const cap = InitSlot.FirstMemory + i;
    core.slots.fill(slot(cap), ObjectType.Memory, Rights.ALL, page, 0);
    return { cap, phys: physOf(page), pages: size };
  });
  const bootInfo: BootInfo = {
    argv: options.argv ?? [],
    cspace: InitSlot.CSpace,
    vspace: InitSlot.VSpace,
    task: InitSlot.Task,
    console: InitSlot.Console,
    ...(net.length > 0 ? { net: InitSlot.Net, netAddresses: [...net] } : {}),
    memory,
    free: { start: InitSlot.FirstMemory + regions.length, end: 1 << INIT_RADIX },
    pageSize: PAGE_SIZE,
  };
  return { kernel, init, bootInfo };
}

function checkRegions(regions: unknown, left: number): asserts regions is number[] {
  if (!Array.isArray(regions) || regions.length === 0) {
    throw new RangeError('regions must be a non-empty array of page counts');
  }
  const most = (1 << INIT_RADIX) - InitSlot.FirstMemory;
  if (regions.length > most) throw new RangeError(`at most ${most} regions fit in init's CSpace, got ${regions.length}`);
  let total = 0;
  for (const r of regions) {
    if (!Number.isInteger(r) || r < 1) throw new RangeError(`each region must be a whole number of pages >= 1, got ${String(r)}`);
    total += r;
  }
  if (total > left) {
    throw new RangeError(`regions ask for ${total} pages but only ${left} are left after the kernel's and init's objects`);
  }
}
