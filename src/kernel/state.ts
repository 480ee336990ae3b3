// The kernel core's state: physical memory and the structures over it. The
// object modules (memory, cspace, task, endpoint, ...) decode and perform
// their operations on a Core, as functions or as classes holding a Core and
// their own queues; the decoder in kernel.ts calls them. Nothing here knows
// about threads or I/O.

import { Areas } from './area.ts';
import { Lifetime } from './lifetime.ts';
import { ObjectTable } from './objects.ts';
import { PhysicalMemory } from './physical.ts';
import { Devices, Slots } from './slots.ts';

/** A decode step's failure: an errno. Successes are objects, never numbers. */
export type Failure = number;

export class Core {
  readonly phys: PhysicalMemory;
  readonly objects: ObjectTable;
  readonly areas: Areas;
  readonly devices: Devices;
  readonly slots: Slots;
  readonly life: Lifetime;
  /** Called when a stored Reply cap is destroyed unanswered (its caller gets EPIPE). */
  onReplyDropped: (caller: number, gen: number) => void = () => {};
  /** Called when a message goes from one task to another (for traces). */
  onDeliver: ((from: number, to: number) => void) | null = null;

  constructor(pages: number, buffer?: SharedArrayBuffer) {
    this.phys = new PhysicalMemory(pages, buffer);
    this.objects = new ObjectTable(pages);
    this.areas = new Areas(this.phys);
    this.devices = new Devices();
    this.slots = new Slots(this.phys, this.objects, this.devices);
    this.life = new Lifetime(this.phys, this.objects, this.areas, this.slots, this.devices);
  }
}
