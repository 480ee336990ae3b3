// Task control through sys: suspend and resume, one call in flight.

import { expect, it } from 'vitest';
import { start } from './helpers.ts';

it('a suspended task makes no progress until resumed; a second concurrent call is EBUSY', async () => {
  const system = await start('control-init.ts', { threads: 1 });
  const status = await system.exited;
  expect(status.fault).toBeUndefined();
  expect(status.value).toEqual({
    concurrent: ['fulfilled', 'EBUSY'],
    suspend: { labels: [0, 1, 2, 3], whileSuspended: 'EAGAIN', twice: 'EBUSY' },
    resumeRunning: 'EBUSY',
    free: true,
  });
  expect(await system.check()).toEqual({ ok: true, violations: [] });
});
