// Deadlocks found by capability reachability (docs/explore.md). A blocked
// task can be woken only by a task that can still act and holds a way to
// its wait: a capability to the Endpoint or Notification it is queued on,
// or the Reply cap that promises the answer to its call. Only the kernel
// knows every holder, so "nobody left can ever wake this task" is decided
// exactly, not guessed from a timeout.
//
// A task can act when it is ready (running its own code), or when a task
// that can act can wake or resume it: the greatest such set is built from
// the ready tasks outward. Every blocked task outside it is deadlocked; a
// suspended one outside it is stuck too, but waits for nothing, so it is
// not reported.

import { ObjectType, physOf, typeName } from '../abi.ts';
import { AWAITING_ANSWER } from './reply.ts';
import { Slots } from './slots.ts';
import type { Core } from './state.ts';
import { TaskState, Tcb, tcbWord } from './tcb.ts';
import { type TaskRecord, Waiting } from './waits.ts';

/** One deadlocked task: what it waits in, on what, and who could wake it (none of whom can act). */
export interface DeadlockedTask {
  /** The Task object's physical address. */
  task: number;
  /** The call it is blocked in: send, call, recv, replyRecv or wait; for a caller whose call was taken, 'answer'. */
  waiting: 'send' | 'call' | 'recv' | 'answer' | 'wait';
  /** What it waits on: the Endpoint or Notification, or for an answer the Reply cap that promises it. */
  object: { type: string; phys: number };
  /** The caddr its call invoked, when it has one. */
  caddr: number | null;
  /** Tasks (physical addresses) that hold a way to wake it; all are deadlocked or stuck too. */
  holders: number[];
}

const WAITING_NAMES: Partial<Record<number, DeadlockedTask['waiting']>> = {
  [Waiting.Send]: 'send',
  [Waiting.Call]: 'call',
  [Waiting.Recv]: 'recv',
  [Waiting.Answer]: 'answer',
  [Waiting.Notification]: 'wait',
};

/**
 * What wakes a waiting task, as a key of the `reach` sets: an object's page
 * for an Endpoint, Notification or suspended Task; for an answer, the
 * caller's page negated (whoever holds its Reply cap).
 */
function wakeKey(task: number, record: TaskRecord, state: number): number {
  if (state === TaskState.Suspended) return task;
  return record.blockedOn === AWAITING_ANSWER ? -task : record.blockedOn;
}

/** The blocked tasks that no task able to act can wake, in page order. */
export function findDeadlocks(core: Core, records: Map<number, TaskRecord>): DeadlockedTask[] {
  const words = core.phys.words;
  const stateOf = (task: number) => words[tcbWord(task, Tcb.State)];
  const reach = reachability(core, records);
  // Waiting tasks by what wakes them.
  const waiters = new Map<number, number[]>();
  const able = new Set<number>();
  const work: number[] = [];
  for (const [task, record] of records) {
    if (!core.objects.isLive(task, ObjectType.Task)) continue;
    const state = stateOf(task);
    // A task waiting for the world outside (Waiting.Net) is woken by it, not by a task.
    if (state === TaskState.Ready || (state === TaskState.Blocked && record.waiting === Waiting.Net)) {
      able.add(task);
      work.push(task);
    } else if (state === TaskState.Blocked || state === TaskState.Suspended) {
      const key = wakeKey(task, record, state);
      const list = waiters.get(key);
      if (list) list.push(task);
      else waiters.set(key, [task]);
    }
  }
  while (work.length > 0) {
    const actor = work.pop() as number;
    for (const key of reach.get(actor) ?? []) {
      for (const woken of waiters.get(key) ?? []) {
        if (able.has(woken)) continue;
        able.add(woken);
        work.push(woken);
      }
      waiters.delete(key);
    }
  }
  const stuck: DeadlockedTask[] = [];
  for (const [task, record] of [...records].sort((a, b) => a[0] - b[0])) {
    if (able.has(task) || !core.objects.isLive(task, ObjectType.Task) || stateOf(task) !== TaskState.Blocked) continue;
    const key = wakeKey(task, record, TaskState.Blocked);
    const holders = [...records.keys()].filter((t) => reach.get(t)?.has(key)).sort((a, b) => a - b);
    const answer = record.blockedOn === AWAITING_ANSWER;
    const cap = record.call?.cap;
    stuck.push({
      task: physOf(task),
      waiting: WAITING_NAMES[record.waiting] ?? 'answer',
      object: answer ? { type: 'Reply', phys: physOf(task) } : { type: typeName(core.objects.kind[record.blockedOn]), phys: physOf(record.blockedOn) },
      caddr: !answer && typeof cap === 'number' ? cap : null,
      holders: holders.map(physOf),
    });
  }
  return stuck;
}

const NOTHING: ReadonlySet<number> = new Set();

/**
 * For each live task, the wake keys it holds (see wakeKey): every Endpoint,
 * Notification and Task it has a cap to in the CSpace it is bound to (the
 * only caps it can invoke), every caller whose Reply cap is stored there,
 * and the caller whose Reply cap sits in its hidden slot. A cap to another
 * CSpace does not count: it lets a task put caps there or destroy them,
 * which can end a wait with EPIPE but never answer it.
 */
function reachability(core: Core, records: Map<number, TaskRecord>): Map<number, ReadonlySet<number>> {
  const { objects, slots } = core;
  const held = new Map<number, ReadonlySet<number>>();
  const contents = (cspace: number): ReadonlySet<number> => {
    const known = held.get(cspace);
    if (known) return known;
    const keys = new Set<number>();
    const first = Slots.index(cspace, 0);
    for (let s = first; s < first + (1 << objects.size[cspace]); s++) {
      const type = slots.type(s);
      const object = slots.object(s);
      if (type === ObjectType.Reply && records.get(object)?.gen === slots.badge(s)) keys.add(-object);
      else if (type === ObjectType.Endpoint || type === ObjectType.Notification || type === ObjectType.Task) keys.add(object);
    }
    held.set(cspace, keys);
    return keys;
  };
  const reach = new Map<number, ReadonlySet<number>>();
  for (const [task, record] of records) {
    if (!objects.isLive(task, ObjectType.Task)) continue;
    const cspace = core.phys.words[tcbWord(task, Tcb.CSpace)];
    const keys = cspace !== 0 && objects.isLive(cspace, ObjectType.CSpace) ? contents(cspace) : NOTHING;
    const caller = record.replyTo;
    // Tasks bound to one CSpace share its set; one with a hidden Reply cap gets its own.
    reach.set(task, caller !== 0 && records.get(caller)?.gen === record.replyGen ? new Set([...keys, -caller]) : keys);
  }
  return reach;
}
