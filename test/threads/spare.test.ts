// A dedicated thread whose task has ended with nothing left running on it is
// kept, and the next dedicated task runs on it: on the same system, and on
// the next system a Machine boots. A thread its task left busy is never
// given another task.
import { afterEach, expect, it } from 'vitest';
import { Machine } from '../../src/host/machine.ts';
import { fixture, start } from './helpers.ts';

const init = fixture('spare/init.ts');
let machine: Machine | undefined;
afterEach(async () => {
  await machine?.close();
  machine = undefined;
});

async function threadsOf(m: Machine, argv: string[]) {
  const system = await m.boot({ init, argv, threads: 1, memory: 4 << 20, console: () => {} });
  const status = await system.exited;
  expect(status.code).toBe(0);
  // The child has ended; its thread goes spare once its event loop is empty, a moment later.
  await expect.poll(async () => (await system.stats()).threads.dedicated, { timeout: 10_000 }).toBe(0);
  const threads = (await system.stats()).threads;
  await system.shutdown();
  return { ids: status.value as number[], threads };
}

it('runs the dedicated tasks of the systems a Machine boots on the same thread, after a fault or a kill', async () => {
  machine = new Machine();
  const first = await threadsOf(machine, ['throw']);
  const second = await threadsOf(machine, ['block']);
  const third = await threadsOf(machine, ['throw']);
  expect(second.ids).toEqual(first.ids);
  // The killed child's thread went quiet at once, so it was kept too.
  expect(third.ids).toEqual(first.ids);
  expect(third.threads).toMatchObject({ dedicated: 0, spare: 1, reused: 2 });
  expect(machine.started).toBe(1);
}, 30_000);

it('never gives a thread its task left busy to another task; shutdown ends it', async () => {
  const system = await start('spare/init.ts', { threads: 1, argv: ['busy', 'throw', 'busy', 'throw'] });
  const status = await system.exited;
  expect(status.code).toBe(0);
  const [busy1, after1, busy2, after2] = status.value as number[];
  expect(after1).not.toBe(busy1);
  // The second busy child may run on the first one's spare thread, but the task after it cannot.
  expect(after2).not.toBe(busy2);
  expect(after2).not.toBe(busy1);
  // The busy children's threads still run (their tasks' ends are heard only when they exit); the others go spare.
  await expect.poll(async () => (await system.stats()).threads.dedicated, { timeout: 10_000 }).toBe(2);
  expect((await system.stats()).threads.spare).toBeGreaterThanOrEqual(1);
  await system.shutdown();
}, 30_000);
