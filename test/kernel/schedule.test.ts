// The strategies' choices, step by step, without threads (schedule.ts).
import { describe, expect, it } from 'vitest';
import { Schedule } from '../../src/kernel/thread/schedule.ts';

describe('pct', () => {
  it('runs the task of highest priority until it blocks, and the same seed picks the same way', () => {
    const picks = (seed: number) => {
      const s = new Schedule({ seed, strategy: 'pct', depth: 1 });
      return Array.from({ length: 6 }, () => s.pick([{ task: 0, op: 'Send' }, { task: 1, op: 'Send' }, { task: 2, op: 'Send' }]).task);
    };
    const first = picks(7);
    expect(new Set(first).size).toBe(1); // depth 1: no change point, one task keeps the lead
    expect(picks(7)).toEqual(first);
  });

  it('drops a task that yields below every other, so a polling loop cannot starve the rest', () => {
    const s = new Schedule({ seed: 7, strategy: 'pct', depth: 1 });
    const lead = s.pick([{ task: 0, op: 'Send' }, { task: 1, op: 'Send' }]).task;
    const other = 1 - lead;
    const both = (leadOp: string) => (lead === 0 ? [{ task: 0, op: leadOp }, { task: 1, op: 'Send' }] : [{ task: 0, op: 'Send' }, { task: 1, op: leadOp }]);
    expect(s.pick(both('Yield')).task).toBe(lead); // it yields: picked, and lowered after
    expect(s.pick(both('Yield')).task).toBe(other);
    expect(s.pick(both('Yield')).task).toBe(other);
    // Two tasks that both poll take turns.
    const polls = [{ task: 0, op: 'Yield' }, { task: 1, op: 'Yield' }];
    const turns = Array.from({ length: 4 }, () => s.pick(polls).task);
    expect(turns).toEqual([other, lead, other, lead]);
  });
});
