// IPC between tasks on threads.

import { expect, it } from 'vitest';
import { start } from './helpers.ts';

it('messages of every length 0..2048 round-trip intact in both start orders, pooled and dedicated', async () => {
  const system = await start('ipc-lengths.ts', { threads: 2 });
  const status = await system.exited;
  expect(status.fault).toBeUndefined();
  const results = status.value as Record<string, { ok: number; bad: number }>;
  expect(Object.keys(results)).toHaveLength(8);
  for (const [name, tally] of Object.entries(results)) expect(tally, name).toEqual({ ok: 2049, bad: 0 });
  expect(await system.check()).toEqual({ ok: true, violations: [] });
});

it('sequences, concurrent callers, EPIPE for blocked tasks, a Memory relay and shared Pages', async () => {
  const system = await start('ipc-many.ts', { threads: 2 });
  const status = await system.exited;
  expect(status.fault).toBeUndefined();
  const out = status.value as Record<string, unknown>;
  expect(out.sequences).toEqual({ wrong: 0, last: [300, 300, 300, 300, 300, 300], extra: 'EAGAIN' });
  expect(out.callers).toEqual(new Array(20).fill('mine'));
  expect(out.epipe).toEqual(new Array(10).fill('EPIPE'));
  (out.relay as { steps: Array<{ name: string }> }).steps.sort((a, b) => a.name.localeCompare(b.name));
  expect(out.relay).toEqual({
    before: { refs: 1, free: 19 },
    gone: 0,
    back: [expect.any(Number)],
    after: { refs: 1, free: 19 },
    steps: ['A', 'B', 'C'].map((name) => ({ name, caps: [5], refs: 1, free: 19, during: 18 })),
  });
  expect(out.pageRefs).toBe(7); // init's cap, a copy in each of three CSpaces, three mappings
  expect(out.shared).toEqual(new Array(3).fill([[1, 1], [2, 2], [3, 3]]));
  expect(out.freeBack).toBe(true);
  expect(await system.check()).toEqual({ ok: true, violations: [] });
});
