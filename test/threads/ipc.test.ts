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
