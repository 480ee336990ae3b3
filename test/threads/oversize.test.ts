// Calls too big for a system call frame (issue 8): huge message data, print
// text, write bytes, reads and argument lists fail with the kernel's errno in
// its order, on pooled and dedicated threads, and the task goes on working.

import { expect, it } from 'vitest';
import { EXPECTED } from '../fixtures/oversize-checks.ts';
import { start } from './helpers.ts';

it('oversized calls get EMSGSIZE or EINVAL after EBADF/ENOTSUP/EPERM, from init, a pooled and a dedicated child, which go on working', async () => {
  const system = await start('oversize-init.ts', { threads: 2 });
  const status = await system.exited;
  expect(status.fault).toBeUndefined();
  const [own, pooled, dedicated] = status.value as Array<Record<string, unknown>>;
  expect(own).toEqual(EXPECTED);
  expect(pooled).toEqual(EXPECTED);
  expect(dedicated).toEqual(EXPECTED);
  expect(system.lines.filter((line) => line === 'still working')).toHaveLength(3);
  expect(await system.check()).toEqual({ ok: true, violations: [] });
});
