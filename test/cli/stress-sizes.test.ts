// The stress workload's sizes: a group's caps fit its CSpace, groups split
// the run's workers, dedicated threads and calls exactly, and the memory a
// run is given covers what its groups allocate.
import { describe, expect, it } from 'vitest';
import { memoryOverheadPages } from '../../src/abi.ts';
import { ForemanSlot, type GroupSpec, groupPages, groupSlotsFor, MAX_GROUP, SHARE_PAGES, SIGNALLERS, splitGroups, stressPages } from '../../src/stress/rng.ts';

const spec = (tasks: number, ops = 0, dedicated = 8): GroupSpec => ({ tasks, seconds: 1, seed: 99, faults: [], ops, controlled: false, dedicated });

describe('stress sizes', () => {
  it("a full group's caps stay below the signalling slots, in init's CSpace and a foreman's", () => {
    expect(groupSlotsFor(MAX_GROUP, 17)).toBeLessThan(SIGNALLERS);
    expect(groupSlotsFor(MAX_GROUP, ForemanSlot.FirstFree)).toBeLessThan(SIGNALLERS);
  });

  it('splits workers, dedicated threads and calls exactly, in groups of 2 to --group workers', () => {
    for (const [tasks, group] of [[24, 8], [25, 8], [5, 4], [100_000, MAX_GROUP], [10_001, MAX_GROUP], [16, MAX_GROUP]]) {
      const groups = splitGroups(spec(tasks, 7 * tasks, 5), group);
      expect(groups.length).toBe(Math.ceil(tasks / group));
      expect(groups.reduce((n, g) => n + g.tasks, 0)).toBe(tasks);
      expect(groups.reduce((n, g) => n + g.ops, 0)).toBe(7 * tasks);
      expect(groups.reduce((n, g) => n + g.dedicated, 0)).toBe(5);
      for (const g of groups) expect(g.tasks >= 2 && g.tasks <= group).toBe(true);
      // The first group keeps the run's seed; the others get streams of their own.
      expect(groups[0].seed).toBe(99);
      expect(new Set(groups.map((g) => g.seed)).size).toBe(groups.length);
    }
  });

  it("gives each group room for every worker's Memory and a server's inbox, and the run room for its groups", () => {
    expect(groupPages(10)).toBeGreaterThanOrEqual(10 * SHARE_PAGES + 5 * 2 + 2 + memoryOverheadPages(100));
    expect(stressPages(100_000, MAX_GROUP)).toBeGreaterThan(10 * groupPages(10_000));
    expect(stressPages(100_000, MAX_GROUP)).toBeLessThan(1 << 20);
  });
});
