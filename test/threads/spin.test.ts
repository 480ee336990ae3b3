// A killed pooled task that never yields (issue 8): its thread is replaced,
// the tasks that shared it fault saying why, and tasks started afterwards run
// on the other threads, never on the stuck one.

import { expect, it } from 'vitest';
import { YIELD_MS } from '../../src/workers/launcher.ts';
import { start } from './helpers.ts';

interface Report {
  init: number;
  stuck: number;
  spinner: number;
  spinnerTask: number;
  victims: number[];
  survivors: number[];
  freshThreads: number[];
  late: number;
  lateExits: number[];
  echoes: string[];
  exits: Record<number, { label: number; error?: string }>;
}

it('a pooled thread whose killed task spins is replaced; its other tasks fault with the reason; later tasks run elsewhere', async () => {
  const system = await start('spin-init.ts', { threads: 2 });
  const status = await system.exited;
  expect(status.fault).toBeUndefined();
  const r = status.value as Report;
  expect(r.stuck).not.toBe(r.init);
  expect(r.victims.length).toBeGreaterThan(0);
  const reason = `its pooled thread was replaced: task 0x${r.spinnerTask.toString(16)} did not yield within ${YIELD_MS} ms after it was killed`;
  for (const k of r.victims) expect(r.exits[k], `victim ${k}`).toEqual({ label: 2, error: `ThreadReplaced: ${reason}` });
  for (const k of r.survivors) expect(r.exits[k], `survivor ${k}`).toEqual({ label: 1 });
  expect(r.echoes).toEqual(r.survivors.map(() => `echo ${r.init}`));
  expect(r.freshThreads).toHaveLength(3);
  for (const t of r.freshThreads) expect(t).not.toBe(r.stuck);
  for (let k = 4; k < 7; k++) expect(r.exits[k], `fresh ${k}`).toEqual({ label: 1 });
  // The thread that replaced the stuck one works (it took the freed channel).
  expect([r.init, r.stuck]).not.toContain(r.late);
  expect(r.lateExits.every((label) => label === 1)).toBe(true);
  expect(await system.check()).toEqual({ ok: true, violations: [] });
  const stats = await system.stats();
  expect(stats.threads).toEqual({ pooled: 2, dedicated: 0, spare: 0, reused: 0, replaced: 1, jobsInFlight: 0 });
  const before = performance.now();
  await system.shutdown();
  expect(performance.now() - before).toBeLessThan(3000);
});
