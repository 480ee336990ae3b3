// Controlled mode (docs/explore.md) on real threads: the same seed gives the
// same decisions and results whatever the threads' timing; a replay follows
// its record step by step and says where a run leaves it; a run with no
// task able to go on is a deadlock, named task by task.
import { describe, expect, it } from 'vitest';
import { boot, BootError, type ExitStatus } from '../../src/index.ts';
import { fixture } from './helpers.ts';

type Schedule = NonNullable<Parameters<typeof boot>[0]['schedule']>;

async function run(init: string, schedule: Schedule, argv: string[] = []): Promise<ExitStatus> {
  const system = await boot({ init: fixture(init), argv, threads: 1, schedule });
  try {
    return await system.exited;
  } finally {
    await system.shutdown();
  }
}

describe('controlled mode', () => {
  it('the same seed gives the same decisions and the same result, 20 times over', async () => {
    const first = await run('controlled/race-init.ts', { seed: 7, strategy: 'random' });
    expect(first.fault).toBeUndefined();
    expect(first.schedule?.steps).toBeGreaterThan(30);
    for (let i = 1; i < 20; i++) {
      const again = await run('controlled/race-init.ts', { seed: 7, strategy: 'random' });
      expect(again.value).toEqual(first.value);
      expect(again.schedule).toEqual(first.schedule);
    }
  }, 120_000);

  it('seeds differ in their interleavings, on pooled and dedicated threads alike', async () => {
    for (const thread of ['pool', 'dedicated']) {
      const orders = new Set<string>();
      for (let seed = 0; seed < 4; seed++) orders.add(JSON.stringify((await run('controlled/race-init.ts', { seed, strategy: 'random' }, [thread])).value));
      expect(orders.size).toBeGreaterThan(1);
    }
  }, 120_000);

  it('pct runs are reproducible too, and record their depth', async () => {
    const a = await run('controlled/race-init.ts', { seed: 3, strategy: 'pct', depth: 2, steps: 40 });
    const b = await run('controlled/race-init.ts', { seed: 3, strategy: 'pct', depth: 2, steps: 40 });
    expect(a.schedule).toMatchObject({ strategy: 'pct', depth: 2 });
    expect(b.schedule).toEqual(a.schedule);
    expect(b.value).toEqual(a.value);
  }, 60_000);

  it('a replay follows the recorded decisions step by step, to the same result', async () => {
    const recorded = await run('controlled/race-init.ts', { seed: 11, strategy: 'random' });
    // The recorded schedule itself, as ExitStatus gives it, is what a replay takes.
    const replayed = await run('controlled/race-init.ts', { strategy: 'replay', schedule: recorded.schedule });
    expect(replayed.fault).toBeUndefined();
    expect(replayed.schedule?.seed).toBe(11);
    expect(replayed.value).toEqual(recorded.value);
    expect(replayed.schedule?.decisions).toEqual(recorded.schedule?.decisions);
    expect(replayed.schedule?.tasks).toEqual(recorded.schedule?.tasks);
  }, 60_000);

  it('a replay that no longer fits the run is a divergence, saying where and how', async () => {
    const recorded = await run('controlled/race-init.ts', { seed: 11, strategy: 'random' });
    const decisions = structuredClone(recorded.schedule?.decisions ?? []);
    decisions[3] = { ...decisions[3], op: 'Signal' };
    const replayed = await run('controlled/race-init.ts', { seed: 0, strategy: 'replay', decisions });
    expect(replayed.code).toBe(1);
    expect(replayed.fault?.name).toBe('Divergence');
    expect(replayed.fault?.message).toBe(`uncontrolled nondeterminism in task #${decisions[3].task} at step 3: expected Signal, got ${recorded.schedule?.decisions[3].op}`);
    expect(replayed.schedule?.steps).toBe(3);
  }, 60_000);

  it('two servers that call each other are a deadlock, reported with what each waits on and who holds it', async () => {
    const status = await run('controlled/deadlock-init.ts', { seed: 1, strategy: 'random' });
    expect(status.fault?.name).toBe('Deadlock');
    expect(status.fault?.message).toMatch(/^no task can go on at step \d+: 3 tasks are deadlocked$/);
    const [a, b] = (status.schedule?.tasks ?? []).slice(1);
    const found = status.deadlocked ?? [];
    expect(found.map((d) => [d.task, d.waiting, d.caddr])).toEqual([
      [status.schedule?.tasks[0], 'recv', 12],
      [a, 'call', 1],
      [b, 'call', 1],
    ]);
    expect(found[1].holders).toEqual([a, b]);
  }, 60_000);

  it('sys.random() is a seeded stream of the task and sys.now() a virtual clock, both replayed', async () => {
    type Dice = { r: number[]; elapsed: number };
    const a = (await run('controlled/dice-init.ts', { seed: 5 })).value as Dice;
    const b = (await run('controlled/dice-init.ts', { seed: 5 })).value as Dice;
    const c = (await run('controlled/dice-init.ts', { seed: 6 })).value as Dice;
    expect(b).toEqual(a);
    expect(c.r).not.toEqual(a.r);
    expect(a.elapsed).toBe(2); // a millisecond per system call
    for (const x of [...a.r, ...c.r]) expect(x >= 0 && x < 1).toBe(true);
    const system = await boot({ init: fixture('controlled/dice-init.ts'), threads: 1 });
    const free = (await system.exited).value as Dice;
    await system.shutdown();
    expect(free.r.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(free.elapsed).toBeGreaterThan(0);
    expect(Number.isInteger(free.elapsed)).toBe(false); // the real clock, in fractions of a millisecond
  }, 60_000);

  it('leaks nothing: every page comes back, the invariants hold, and no task or thread is left', async () => {
    for (const seed of [1, 2]) {
      const system = await boot({ init: fixture('controlled/leak-init.ts'), threads: 1, schedule: { seed } });
      try {
        const status = await system.exited;
        expect(status.fault).toBeUndefined();
        const { before, after } = status.value as { before: number; after: number };
        expect(after).toBe(before);
        expect(await system.check()).toEqual({ ok: true, violations: [] });
        expect(await system.deadlocks()).toEqual([]);
        const stats = await system.stats();
        expect(stats.threads.dedicated).toBe(0);
      } finally {
        await system.shutdown();
      }
    }
  }, 60_000);

  it('refuses a schedule it cannot follow, readably', async () => {
    const init = fixture('exit-code.ts');
    for (const [schedule, message] of [
      [{ seed: -1 }, /'schedule.seed' must be a whole number from 0 to 4294967295, got -1/],
      [{ strategy: 'fair' }, /'schedule.strategy' must be 'random', 'pct', 'replay' or 'guided', got 'fair'/],
      [{ strategy: 'pct', depth: 0 }, /'schedule.depth' must be a whole number of at least 1, got 0/],
      [{ strategy: 'replay' }, /'schedule.decisions' must be the recorded decisions to follow/],
      [{ strategy: 'replay', decisions: [{ step: 1, task: 0, op: 'Send' }] }, /'schedule.decisions' must be the recorded decisions/],
      [{ decisions: [] }, /'schedule.decisions' is only for strategies 'replay' and 'guided'/],
      [{ seed: 1, speed: 2 }, /unknown key 'speed'/],
      ['fast', /'schedule' must be \{ seed, strategy/],
    ] as const) {
      const error = await boot({ init, schedule: schedule as never }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(BootError);
      expect((error as Error).message).toMatch(message);
    }
  });
});
