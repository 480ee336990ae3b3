// The inspector's warnings from a state and its tasks.

import { describe, expect, it } from 'vitest';
import type { DeadlockedTask } from '../../src/kernel/deadlock.ts';
import type { Snapshot, TaskSnapshot } from '../../src/kernel/snapshot.ts';
import type { TaskRow } from '../../src/inspect/protocol.ts';
import { deadlockWarnings, endWarnings, NEAR_REFERENCES, referenceWarnings, SILENT_SECONDS, silentWarnings, violationWarnings } from '../../src/inspect/warnings.ts';

const t = (phys: number, state: string): TaskSnapshot => ({ phys, state, cspace: null, vspace: null, fault: null, call: state === 'blocked' ? 'Recv' : null, waitsOn: null });
const snap = (tasks: TaskSnapshot[], objects: Snapshot['objects'] = [], violations: string[] = []): Snapshot => ({ pageSize: 4096, pages: 1024, areas: [], objects, caps: [], tasks, violations });
const stuck = (task: number, holders: number[]): DeadlockedTask => ({ task, waiting: 'recv', object: { type: 'Endpoint', phys: 0x10d000 }, caddr: 20, holders });

describe('warnings', () => {
  it('call it a deadlock when no task is left to act, a partial one when others go on', () => {
    const both = [stuck(0x105000, [0x105000]), stuck(0x10f000, [])];
    const global = deadlockWarnings(snap([t(0x105000, 'blocked'), t(0x10f000, 'blocked'), t(0x111000, 'exited')]), both);
    expect(global).toEqual([
      {
        kind: 'deadlock',
        text: 'deadlock: no task can go on; 2 tasks can never be woken',
        lines: ['task_105000: blocked in recv on endpoint_10d000 (caddr 20); only task_105000 could wake it', 'task_10f000: blocked in recv on endpoint_10d000 (caddr 20); no task holds a cap to it'],
        subjects: ['task_105000', 'task_10f000'],
      },
    ]);
    const partial = deadlockWarnings(snap([t(0x105000, 'blocked'), t(0x10f000, 'blocked'), t(0x111000, 'ready')]), both);
    expect(partial[0].kind).toBe('partial-deadlock');
    expect(partial[0].text).toBe('partial deadlock: 2 tasks can never be woken, while 1 other can still act');
    expect(deadlockWarnings(snap([t(0x105000, 'blocked')]), [])).toEqual([]);
  });

  it('name objects near the limit of references, most first, but not the root area', () => {
    const objects = [
      { phys: 0x10d000, type: 'Endpoint', pages: 1, refs: NEAR_REFERENCES - 1, area: 0x107000 },
      { phys: 0x10e000, type: 'Endpoint', pages: 1, refs: NEAR_REFERENCES, area: 0x107000 },
      { phys: 0x10f000, type: 'Memory', pages: 9, refs: 256, area: 0x107000 },
      { phys: 0, type: 'Memory', pages: 1024, refs: 0, area: null },
    ];
    const [w] = referenceWarnings(snap([], objects));
    expect(w.text).toBe('2 objects are near the limit of 256 references');
    expect(w.lines).toEqual(['memory_10f000: 256 of 256 references (0 more before ERANGE)', `endpoint_10e000: ${NEAR_REFERENCES} of 256 references (16 more before ERANGE)`]);
    expect(w.subjects).toEqual(['memory_10f000', 'endpoint_10e000']);
  });

  it('report violations, and tasks that have made no call for long while running their own code', () => {
    expect(violationWarnings(snap([], [], ['a', 'b']))[0]).toMatchObject({ kind: 'violation', text: 'the invariant check failed: 2 violations', lines: ['a', 'b'] });
    const row = (phys: number, state: string, quietFor: number | null, waiting: TaskRow['waiting'] = null): TaskRow => ({ ...t(phys, state), ordinal: 0, thread: 'pooled 0', waiting, waitingFor: null, quietFor, calls: 3, callsPerSec: 0, errors: 0 });
    const rows = [row(0x105000, 'ready', SILENT_SECONDS + 1), row(0x10f000, 'ready', SILENT_SECONDS - 1), row(0x111000, 'blocked', 600, 'blocked'), row(0x113000, 'ready', 100)];
    const [w] = silentWarnings(rows);
    expect(w.text).toBe(`2 tasks have made no system call for ${SILENT_SECONDS} s or more while running their own code`);
    expect(w.lines).toEqual([`task_105000 (pooled 0): no system call for ${SILENT_SECONDS + 1} s`, 'task_113000 (pooled 0): no system call for 100 s']);
    expect(silentWarnings(rows.slice(1, 3))).toEqual([]);
  });

  it('say how a run failed, and nothing of one shut down or passed', () => {
    expect(endWarnings({ code: 1, fault: { name: 'Deadlock', message: 'no task can go on at step 32' }, deadlocked: [stuck(0x105000, [])] })).toEqual([
      { kind: 'failed', text: 'the run failed: Deadlock: no task can go on at step 32', lines: ['task_105000: blocked in recv on endpoint_10d000 (caddr 20); no task holds a cap to it'], subjects: ['task_105000'] },
    ]);
    expect(endWarnings({ code: 1, fault: { name: 'Shutdown', message: 'x' } })).toEqual([]);
    expect(endWarnings({ code: 0 })).toEqual([]);
    expect(endWarnings(null)).toEqual([]);
  });
});
