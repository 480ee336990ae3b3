// A saved trace as the inspector reads it: counters over time from its
// slices and counters, and what each task was doing at a moment.

import { describe, expect, it } from 'vitest';
import { isTrace, SavedTrace } from '../../src/inspect/trace.ts';

const meta = (tid: number, name: string) => ({ name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid, args: { name } });
const call = (tid: number, name: string, ts: number, dur: number, result = 'OK') => ({ name, cat: 'syscall', ph: 'X', ts, dur, pid: 1, tid, args: { cap: 1, result } });

// Times in µs: the server waits in Recv from 0.1 s to 0.6 s; the client calls at 0.6 s, fails once, and exits at 0.9 s.
const trace = {
  traceEvents: [
    meta(1, 'kernel thread'),
    meta(100001, 'task 0x105000 (pool)'),
    meta(100002, 'task 0x110000 (dedicated)'),
    call(100002, 'Recv', 100_000, 500_000),
    call(100001, 'Call', 600_000, 50),
    call(100001, 'Send', 700_000, 10, 'EBADF'),
    call(100001, 'Exit', 900_000, 1),
    { name: 'free pages', ph: 'C', ts: 50_000, pid: 1, tid: 1, args: { free: 100 } },
    { name: 'free pages', ph: 'C', ts: 800_000, pid: 1, tid: 1, args: { free: 90 } },
    { name: 'blocked tasks', ph: 'C', ts: 200_000, pid: 1, tid: 1, args: { blocked: 1 } },
  ],
  otherData: { dropped: 3 },
};

describe('a saved trace', () => {
  it('is told from a snapshot', () => {
    expect(isTrace(trace)).toBe(true);
    expect(isTrace({ objects: [] })).toBe(false);
  });

  it('gives its counters over time, in quarter seconds', () => {
    const saved = new SavedTrace(trace);
    expect(saved.duration).toBeCloseTo(0.900001);
    expect(saved.history.map((p) => p.t)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(saved.history.map((p) => p.calls)).toEqual([{ Recv: 4 }, {}, { Call: 4, Send: 4 }, { Exit: 4 }]);
    expect(saved.history.map((p) => p.totalCalls)).toEqual([1, 1, 3, 4]);
    expect(saved.history.map((p) => p.free)).toEqual([{ 'boot areas': 100 }, { 'boot areas': 100 }, { 'boot areas': 100 }, { 'boot areas': 90 }]);
    expect(saved.history.map((p) => p.blocked)).toEqual([1, 1, 1, 1]);
    expect(saved.notes.at(-1)).toBe('The trace dropped 3 events past its limit: its end is missing.');
  });

  it('says what each task was doing at a moment', () => {
    const saved = new SavedTrace(trace);
    expect(saved.tasksAt(0.05)).toEqual([]); // nobody had called yet
    const [server] = saved.tasksAt(0.35);
    expect(server).toMatchObject({ phys: 0x110000, thread: 'dedicated', state: 'blocked', call: 'Recv', waiting: 'blocked', calls: 1, errors: 0 });
    expect(server.waitingFor).toBeCloseTo(0.25);
    const [client, later] = saved.tasksAt(0.8);
    expect(client).toMatchObject({ phys: 0x105000, thread: 'pool', state: 'ready', call: null, calls: 2, errors: 1 });
    expect(client.quietFor).toBeCloseTo(0.09999);
    expect(client.callsPerSec).toBeCloseTo(2 / 0.8);
    expect(later).toMatchObject({ phys: 0x110000, state: 'ready', calls: 1 });
    expect(saved.tasksAt(0.95)[0]).toMatchObject({ phys: 0x105000, state: 'exited', calls: 3 });
  });
});
