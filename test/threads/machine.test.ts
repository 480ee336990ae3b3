// A Machine boots systems one after another on the same threads: each system
// is whole and alone (its results, its memory, its Console), whatever the
// one before it left running, and the Machine starts fresh threads only
// when a halt could not end every task.
import { afterEach, describe, expect, it } from 'vitest';
import { boot } from '../../src/index.ts';
import { Machine } from '../../src/host/machine.ts';

const init = new URL('../fixtures/machine/init.ts', import.meta.url);
let machine: Machine | undefined;
afterEach(async () => {
  await machine?.close();
  machine = undefined;
});

async function runOn(m: Machine, argv: string[], lines: string[] = [], threads = 1) {
  const system = await m.boot({ init, argv, threads, memory: 4 << 20, console: (line) => lines.push(line) });
  const status = await system.exited;
  return { system, status };
}

describe('Machine', () => {
  it('boots systems in a row on one kernel thread, each with fresh memory and its own result', async () => {
    machine = new Machine();
    const fresh = await boot({ init, argv: ['pages'], threads: 1, memory: 4 << 20, console: () => {} });
    const expected = await fresh.exited;
    await fresh.shutdown();
    for (let i = 0; i < 20; i++) {
      const { system, status } = await runOn(machine, ['pages']);
      expect(status).toEqual({ code: 0, value: expected.value });
      await system.shutdown();
    }
    expect(machine.started).toBe(1);
  }, 60_000);

  it('keeps a module’s state from one system to the next (the documented cost of sharing threads)', async () => {
    machine = new Machine();
    const values = [];
    for (let i = 0; i < 3; i++) {
      const { system, status } = await runOn(machine, ['count']);
      values.push(status.value);
      await system.shutdown();
    }
    expect(values).toEqual([{ runs: 1 }, { runs: 2 }, { runs: 3 }]);
  }, 30_000);

  it('ends the tasks a system left running: none of their Console lines reach the next system, and its handle refuses calls', async () => {
    machine = new Machine();
    const first: string[] = [];
    // Init reports the chatter and the blocked task started, and waits: shut down while it runs.
    const system = await machine.boot({ init, argv: ['leave'], threads: 1, memory: 4 << 20, console: (line) => first.push(line) });
    const left = { system };
    for (let i = 0; i < 200 && !first.includes('chatter 10'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await left.system.stats()).tasks).toMatchObject({ blocked: 2 });
    await left.system.shutdown();
    expect(await left.system.exited).toEqual({ code: 1, fault: { name: 'Shutdown', message: 'the system was shut down before init exited' } });
    await expect(left.system.stats()).rejects.toThrow('the system has been shut down');
    const second: string[] = [];
    const next = await runOn(machine, ['pages'], second);
    expect(next.status.code).toBe(0);
    // A moment for any stray line of the first system's chatter to arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(second).toEqual([]);
    expect((await next.system.check()).ok).toBe(true);
    const stats = await next.system.stats();
    expect(stats.loop.tasks).toBe(0);
    expect(stats.threads).toMatchObject({ pooled: 1, dedicated: 0, jobsInFlight: 0 });
    await next.system.shutdown();
    expect(machine.started).toBe(1);
  }, 30_000);

  it('replaces a pooled thread a left-behind task holds, and goes on on the same kernel thread', async () => {
    machine = new Machine();
    // Two threads, so that init never shares one with the task that spins
    // (it is placed on the thread with fewer tasks): a task that never
    // yields starves every other task of its thread, init included.
    const spun = await runOn(machine, ['spin'], [], 2);
    expect(spun.status.code).toBe(0);
    // Init's exit killed the task, which spins: its thread is replaced
    // within about YIELD_MS, or seconds on a loaded machine. Shut down after
    // that, so the halt has no deadline to race.
    for (let i = 0; i < 400 && (await spun.system.stats()).threads.replaced === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await spun.system.shutdown();
    const next = await runOn(machine, ['pages'], [], 2);
    expect(next.status.code).toBe(0);
    expect((await next.system.stats()).threads).toMatchObject({ pooled: 2, replaced: 1 });
    await next.system.shutdown();
    expect(machine.started).toBe(1);
  }, 30_000);

  it('starts fresh threads when a halt cannot end a task in time, or a system wants other threads', async () => {
    machine = new Machine();
    const slept = await runOn(machine, ['sleep']);
    await slept.system.shutdown();
    const next = await runOn(machine, ['pages']);
    expect(next.status.code).toBe(0);
    await next.system.shutdown();
    expect(machine.started).toBe(2);
    const two = await runOn(machine, ['pages'], [], 2);
    expect((await two.system.stats()).threads.pooled).toBe(2);
    await two.system.shutdown();
    expect(machine.started).toBe(3);
  }, 30_000);

  it('refuses a second system while one runs, and any after it is closed', async () => {
    machine = new Machine();
    const system = await machine.boot({ init, argv: ['leave'], console: () => {} });
    await expect(machine.boot({ init, argv: ['pages'] })).rejects.toThrow('a system is running on this machine: shut it down first');
    await system.shutdown();
    await expect(machine.boot({ init, argv: ['pages'], threads: 0 })).rejects.toThrow(/'threads'/);
    await machine.close();
    await expect(machine.boot({ init, argv: ['pages'] })).rejects.toThrow('this machine has been closed');
  }, 30_000);
});
