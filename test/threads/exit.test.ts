// process.exit() in a task ends its thread; the faults it causes name the
// task that called it, not init (issue 8).

import { expect, it } from 'vitest';
import { start } from './helpers.ts';

it("a child's process.exit(3) on init's pooled thread faults init naming the child", async () => {
  const system = await start('exit-init.ts', { threads: 1, argv: ['pool'] });
  const status = await system.exited;
  const child = system.lines.find((l) => l.startsWith('child '))?.slice('child '.length);
  expect(child).toMatch(/^0x[0-9a-f]+$/);
  expect(status.code).toBe(1);
  expect(status.fault).toMatchObject({ name: 'ThreadExited', message: `its pooled thread exited: task ${child} called process.exit(3)` });
});

it("a dedicated task's process.exit(5) faults it, saying so, on its fault Endpoint", async () => {
  const system = await start('exit-init.ts', { threads: 1, argv: ['dedicated'] });
  const status = await system.exited;
  expect(status.fault).toBeUndefined();
  const child = system.lines.find((l) => l.startsWith('child '))?.slice('child '.length) ?? '';
  expect(status.value).toEqual({
    label: 2,
    body: { task: Number.parseInt(child, 16), code: 1, error: `ThreadExited: its dedicated thread exited: task ${child} called process.exit(5)` },
  });
  expect(await system.check()).toEqual({ ok: true, violations: [] });
});

it('a task that exits while blocked in a call leaves nothing waiting: its dedicated thread ends', async () => {
  const system = await start('exit-blocked-init.ts', { threads: 1 });
  const status = await system.exited;
  expect(status.value).toMatchObject({ label: 1, body: { code: 7 } });
  // The unanswered recv is dropped, so the thread has nothing left to wait for.
  await expect.poll(async () => (await system.stats()).threads.dedicated, { timeout: 10_000 }).toBe(0);
});
