// The stress workload's shared names, and its seeded generator (the one
// controlled mode uses): the same seed gives the same workload decisions.

export { randomSource as rng } from '../task.ts';

/** Control bits init signals to a worker's Notification. */
export const Control = { Stop: 1, Throw: 2 } as const;

/** The label of init's message that stops a server. */
export const Label = { Stop: 0 } as const;

/**
 * Workers per report Endpoint and fault Endpoint of init: each worker holds
 * a cap to both (its fault Endpoint binding counts as one), and an object
 * takes at most 256 references.
 */
export const HUB = 250;

/** Init's slots from here up hold the badged Notification caps it signals with. */
export const SIGNALLERS = 65_000;

/**
 * The last slot of init's CSpace the workload uses for `tasks` workers:
 * two Endpoints for each HUB workers, then each worker's Task, CSpace,
 * Memory, Notification and fault cap, and a server's inbox and its Memory
 * too. It must stay below SIGNALLERS, which bounds the workers (10,815).
 */
export function initSlotsFor(tasks: number, firstFree: number): number {
  const servers = Math.max(1, Math.floor(tasks / 2));
  return firstFree + 2 * Math.ceil(tasks / HUB) + 7 * servers + 5 * (tasks - servers);
}

/** Slots of a worker's CSpace. */
export const Slot = {
  Share: 1, // its own Memory, from which it allocates what it hands on
  Control: 2, // Notification: init's commands
  Report: 3, // Endpoint to init
  Inbox: 4, // servers: the Endpoint clients call
  Landing: 5, // where a received cap lands
  Scratch: 6, // what a client allocates to hand on
  FirstServer: 16, // clients: a badged cap to each server's inbox
} as const;
