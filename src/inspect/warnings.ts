// The inspector's warnings, from what a sample shows: deadlocks (every task
// that could act is stuck) and partial deadlocks (some tasks can never be
// woken while others go on), found exactly by the kernel (docs/explore.md);
// tasks that run their own code and have made no system call for a long
// time; objects near the limit of 256 references; invariant violations;
// and a run that failed.

import { MAX_REFERENCES } from '../abi.ts';
import type { DeadlockedTask } from '../kernel/deadlock.ts';
import type { Snapshot } from '../kernel/snapshot.ts';
import type { EndView, TaskRow, Warning } from './protocol.ts';
import { deadlockLine, objectName } from './views.ts';

/** Seconds without a system call, running its own code, before a task is called silent. */
export const SILENT_SECONDS = 5;
/** References from which an object is called near the limit. */
export const NEAR_REFERENCES = MAX_REFERENCES - 16;
/** A warning names at most this many things one by one; the rest are counted. */
const MOST_LINES = 20;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function capped(lines: string[]): string[] {
  return lines.length <= MOST_LINES ? lines : [...lines.slice(0, MOST_LINES), `... and ${lines.length - MOST_LINES} more`];
}

/** Deadlocks: global when no task that is not stuck is left to act, partial otherwise. */
export function deadlockWarnings(snapshot: Snapshot, deadlocks: DeadlockedTask[]): Warning[] {
  if (deadlocks.length === 0) return [];
  const stuck = new Set(deadlocks.map((d) => d.task));
  const able = snapshot.tasks.filter((t) => t.state === 'ready' || (t.state === 'blocked' && !stuck.has(t.phys)));
  const subjects = deadlocks.map((d) => objectName('Task', d.task));
  const lines = capped(deadlocks.map(deadlockLine));
  if (able.length === 0) {
    return [{ kind: 'deadlock', text: `deadlock: no task can go on; ${plural(deadlocks.length, 'task')} can never be woken`, lines, subjects }];
  }
  return [{ kind: 'partial-deadlock', text: `partial deadlock: ${plural(deadlocks.length, 'task')} can never be woken, while ${plural(able.length, 'other')} can still act`, lines, subjects }];
}

/** Objects whose references are near the limit: a copy of a cap to one fails with ERANGE past it. */
export function referenceWarnings(snapshot: Snapshot): Warning[] {
  const near = snapshot.objects.filter((o) => o.area !== null && o.refs >= NEAR_REFERENCES).sort((a, b) => b.refs - a.refs);
  if (near.length === 0) return [];
  const lines = near.map((o) => `${objectName(o.type, o.phys)}: ${o.refs} of ${MAX_REFERENCES} references (${MAX_REFERENCES - o.refs} more before ERANGE)`);
  const text = near.length === 1 ? `${objectName(near[0].type, near[0].phys)} is near the limit of ${MAX_REFERENCES} references` : `${near.length} objects are near the limit of ${MAX_REFERENCES} references`;
  return [{ kind: 'references', text, lines: capped(lines), subjects: near.map((o) => objectName(o.type, o.phys)) }];
}

export function violationWarnings(snapshot: Snapshot): Warning[] {
  if (snapshot.violations.length === 0) return [];
  return [{ kind: 'violation', text: `the invariant check failed: ${plural(snapshot.violations.length, 'violation')}`, lines: capped(snapshot.violations) }];
}

/** What the latest state shows: deadlocks, references near the limit, violations. */
export function stateWarnings(snapshot: Snapshot, deadlocks: DeadlockedTask[] | null): Warning[] {
  return [...(deadlocks ? deadlockWarnings(snapshot, deadlocks) : []), ...referenceWarnings(snapshot), ...violationWarnings(snapshot)];
}

/** Tasks running their own code that have made no system call for SILENT_SECONDS or more. */
export function silentWarnings(rows: TaskRow[]): Warning[] {
  const silent = rows.filter((r) => r.state === 'ready' && r.waiting === null && r.ended === undefined && r.quietFor !== null && r.quietFor >= SILENT_SECONDS);
  if (silent.length === 0) return [];
  const what = (r: TaskRow) => `${objectName('Task', r.phys)}${r.thread ? ` (${r.thread})` : ''}: no system call for ${r.quietFor?.toFixed(0)} s${r.calls === 0 ? ', none since it started' : ''}`;
  const text =
    silent.length === 1
      ? `${objectName('Task', silent[0].phys)} has made no system call for ${silent[0].quietFor?.toFixed(0)} s while running its own code`
      : `${silent.length} tasks have made no system call for ${SILENT_SECONDS} s or more while running their own code`;
  return [{ kind: 'silent', text, lines: capped(silent.map(what)), subjects: silent.map((r) => objectName('Task', r.phys)) }];
}

/** A run that ended in failure: init's fault, and a controlled run's deadlocked tasks. */
export function endWarnings(end: EndView | null): Warning[] {
  if (!end?.fault || end.fault.name === 'Shutdown') return [];
  const lines = end.deadlocked?.length ? capped(end.deadlocked.map(deadlockLine)) : undefined;
  const subjects = end.deadlocked?.map((d) => objectName('Task', d.task));
  return [{ kind: 'failed', text: `the run failed: ${end.fault.name}: ${end.fault.message}`, ...(lines ? { lines, subjects } : {}) }];
}
