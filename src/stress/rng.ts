// The stress workload's shared names, its sizes, and its seeded generator
// (the one controlled mode uses): the same seed gives the same workload
// decisions.

import { memoryOverheadPages } from '../task.ts';

export { randomSource as rng } from '../task.ts';

/** Control bits init signals to a worker's Notification. */
export const Control = { Stop: 1, Throw: 2 } as const;

/** The label of init's message that stops a server. */
export const Label = { Stop: 0 } as const;

/**
 * Workers per hub of a group (a report Endpoint, a fault Endpoint and a
 * gate Notification): each worker holds a cap to each (its fault Endpoint
 * binding counts as one), and an object takes at most 256 references.
 */
export const HUB = 250;

/** A group's slots from here up hold the badged Notification caps it signals with. */
export const SIGNALLERS = 65_000;

/** Pages of each worker's own Memory: its Task, CSpace and Notification, and room for what a client hands on. */
export const SHARE_PAGES = 8;
/** Pages of the Memory a server's inbox comes from. */
const INBOX_PAGES = 2;

/** The most workers one group (init, or one foreman) keeps track of: its CSpace bounds them (see groupSlotsFor). */
export const MAX_GROUP = 10_000;
/** Pages of a foreman beyond its group's Memory: its Task and its CSpace of 65,536 slots. */
const FOREMAN_PAGES = 1 + 256;

/** A group reports at most this many of its unexpected faults by name (and counts them all). */
export const MAX_UNEXPECTED = 10;

/** What one group runs. */
export interface GroupSpec {
  tasks: number;
  seconds: number;
  seed: number;
  faults: string[];
  /** The clients' calls in all; 0 to run for `seconds`. */
  ops: number;
  controlled: boolean;
  /** How many of its workers (every fifth) run on dedicated threads. */
  dedicated: number;
}

export interface GroupResult {
  servers: number;
  clients: number;
  /** Workers that ran on a dedicated thread each. */
  dedicated: number;
  ops: number;
  delivered: number;
  lost: number;
  doubled: number;
  gaps: number;
  repeats: number;
  injected: Record<string, number>;
  endings: Record<string, number>;
  /** Workers that faulted without being asked to (the first MAX_UNEXPECTED), and how many in all. */
  unexpected: string[];
  unexpectedCount: number;
}

/**
 * The last slot of a group's CSpace the workload uses for `tasks` workers:
 * two Endpoints and a Notification for each HUB workers, then each
 * worker's Task, CSpace, Memory, Notification and fault cap, and a server's
 * inbox and its Memory too. It stays below SIGNALLERS up to about 10,800
 * workers.
 */
export function groupSlotsFor(tasks: number, firstFree: number): number {
  const servers = Math.max(1, Math.floor(tasks / 2));
  return firstFree + 3 * Math.ceil(tasks / HUB) + 7 * servers + 5 * (tasks - servers);
}

/**
 * The run's workers split into groups of at most `group`, as evenly as can
 * be, each with its share of the dedicated threads and of the clients' calls.
 * A single group is init's own; more are run by a foreman each.
 */
export function splitGroups(spec: GroupSpec, group: number): GroupSpec[] {
  const n = Math.ceil(spec.tasks / group);
  const share = (total: number, i: number) => shareOf(total, n, i);
  return Array.from({ length: n }, (_, i) => ({
    ...spec,
    tasks: share(spec.tasks, i),
    dedicated: share(spec.dedicated, i),
    ops: spec.ops > 0 ? Math.max(1, share(spec.ops, i)) : 0,
    // Group 0 keeps the run's seed, so a run of one group is the same whether or not it is split.
    seed: i === 0 ? spec.seed : (spec.seed + Math.imul(i, 0x9e3779b9)) >>> 0,
  }));
}

/** Part i of `total` split into n parts as evenly as can be. */
function shareOf(total: number, n: number, i: number): number {
  return Math.floor(total / n) + (i < total % n ? 1 : 0);
}

/** Pages a group's objects take at most: its hubs' Endpoints and gates, each worker's Memory, each server's inbox Memory. */
export function groupPages(tasks: number): number {
  const servers = Math.max(1, Math.floor(tasks / 2));
  const content = 3 * Math.ceil(tasks / HUB) + tasks * SHARE_PAGES + servers * INBOX_PAGES;
  return content + memoryOverheadPages(content) + 1;
}

/** Pages beyond the groups: init's CSpace and the boot objects, with room to spare. */
const SPARE_PAGES = 4096;

/**
 * Physical pages a run of `tasks` workers in groups of `group` needs: the
 * groups, each foreman's own objects and Memory header, and the boot
 * area's header over all of it.
 */
export function stressPages(tasks: number, group: number): number {
  const groups = Math.ceil(tasks / group);
  const sizes = Array.from({ length: groups }, (_, i) => shareOf(tasks, groups, i));
  const foremen = groups === 1 ? 0 : sizes.reduce((sum, n) => sum + FOREMAN_PAGES + groupPages(n), 0);
  const content = (groups === 1 ? groupPages(tasks) : foremen) + SPARE_PAGES;
  return content + memoryOverheadPages(content) + 1;
}

/** Slots of a worker's CSpace. */
export const Slot = {
  Share: 1, // its own Memory, from which it allocates what it hands on
  Control: 2, // Notification: init's commands
  Report: 3, // Endpoint to init
  Inbox: 4, // servers: the Endpoint clients call
  Landing: 5, // where a received cap lands
  Scratch: 6, // what a client allocates to hand on
  Gate: 7, // clients: the Notification that starts them all at once (see group.ts)
  FirstServer: 16, // clients: a badged cap to each server's inbox
} as const;

/** Slots of a foreman's CSpace. */
export const ForemanSlot = {
  Memory: 1, // the Memory its group allocates from
  Report: 2, // Endpoint to init: its group's result
  Console: 3,
  FirstFree: 16,
} as const;
