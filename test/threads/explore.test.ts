// explore(), shrinking and replay over the racy examples (examples/races):
// each bug is found, its schedule shrunk and replayed exactly, and the fixed
// twins pass. Runs are functions of their seeds, so these results are too.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { explore } from '../../src/index.ts';
import { controlledRun, type ScheduleFile, sizeOf } from '../../src/host/explore.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const example = (name: string) => new URL(`../../examples/races/${name}/init.ts`, import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), 'caduceus-explore-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function caduceus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/caduceus.mjs', ...args], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('explore', () => {
  it('finds the lost update, shrinks its schedule, and the shrunk schedule replays to the same failure', async () => {
    const result = await explore({ init: example('lost-update'), runs: 30, seed: 1 });
    expect(result.failures).toHaveLength(1);
    const [failure] = result.failures;
    expect(failure.reason).toMatch(/^Error: lost update: two increments left the counter at 1$/);
    expect(result.runs).toBeLessThanOrEqual(30);
    const { before, after } = failure.shrunk ?? { before: sizeOf(failure.schedule), after: sizeOf(failure.schedule) };
    expect(after.steps).toBeLessThanOrEqual(before.steps);
    expect(after.preemptions).toBeLessThanOrEqual(before.preemptions);
    expect(sizeOf(failure.schedule)).toEqual(after);
    const system = { init: example('lost-update').href, argv: [], threads: 1, checkEvery: 0 };
    const again = await controlledRun(system, { seed: failure.schedule.seed, strategy: 'replay', decisions: failure.schedule.decisions });
    expect(again.reason).toBe(failure.reason);
    expect(again.status.schedule?.decisions).toEqual(failure.schedule.decisions);
  }, 240_000);

  it('finds the deadlock and names the tasks in it', async () => {
    const result = await explore({ init: example('deadlock'), runs: 30, seed: 1, shrink: false });
    const [failure] = result.failures;
    expect(failure.reason).toMatch(/^Deadlock: no task can go on at step \d+: 5 tasks are deadlocked$/);
    expect(failure.deadlocked?.map((d) => d.waiting).sort()).toEqual(['answer', 'answer', 'call', 'call', 'recv']);
    expect(failure.shrunk).toBeUndefined();
  }, 120_000);

  it('passes the fixed twins', async () => {
    for (const name of ['lost-update', 'wrong-reply', 'deadlock']) {
      const result = await explore({ init: example(name), argv: ['fixed'], runs: 3, seed: 3 });
      expect(result).toEqual({ runs: 3, seed: 3, failures: [] });
    }
  }, 120_000);

  it('finds the same failures on one Machine as with fresh threads for every run, and counts its shrinking tries', async () => {
    // No progress callback: shrinking must count its tries all the same (it once did so only inside the callback's arguments).
    const shared = await explore({ init: example('wrong-reply'), runs: 30, seed: 5 });
    const fresh = await explore({ init: example('wrong-reply'), runs: 30, seed: 5, fresh: true });
    expect(shared.failures.length).toBe(1);
    expect(fresh).toEqual(shared);
    const tries = shared.failures[0].shrunk?.tries ?? 0;
    expect(tries).toBeGreaterThan(0);
    expect(tries).toBeLessThanOrEqual(40);
  }, 240_000);

  it('refuses options it cannot use', async () => {
    await expect(explore({ init: example('lost-update'), runs: 0 })).rejects.toThrow(/'runs' must be a whole number of at least 1, got 0/);
    await expect(explore({ init: example('lost-update'), strategy: 'replay' as never })).rejects.toThrow(/'strategy' must be 'random' or 'pct', got replay/);
  });
});

describe('caduceus explore and replay', () => {
  it('explore writes the failing schedule and the command to replay it; replay reproduces it, and says so', async () => {
    const out = join(scratch, 'wrong-reply.json');
    const found = await caduceus('explore', 'examples/races/wrong-reply/init.ts', '--runs', '30', '--seed', '1', '--no-shrink', '--out', out);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/run with seed \d+ failed: Error: a client got the wrong answer/);
    expect(found.stdout).toMatch(/^ +0 {2}#0 task_[0-9a-f]+ +Alloc +OK$/m);
    expect(found.stdout).toContain(`replay with: caduceus replay ${out}`);
    const replayed = await caduceus('replay', out);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/verdict: Error: a client got the wrong answer/);
    expect(replayed.stdout).toMatch(/reproduced: the same \d+ steps, results and verdict\n$/);

    // A schedule that no longer fits its program: a divergence, and not reproduced.
    const file = JSON.parse(readFileSync(out, 'utf8')) as ScheduleFile;
    file.schedule.decisions[2].op = 'Signal';
    const tampered = join(scratch, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(file));
    const diverged = await caduceus('replay', tampered);
    expect(diverged.code).toBe(1);
    expect(diverged.stdout).toMatch(/verdict: Divergence: uncontrolled nondeterminism in task #0 at step 2: expected Signal, got Alloc/);
    expect(diverged.stdout).toMatch(/not reproduced: the recorded run failed with Error: a client got the wrong answer/);
  }, 240_000);

  it('says what is wrong with its arguments', async () => {
    for (const [args, message] of [
      [['explore'], /explore needs the init module to run/],
      [['explore', 'examples/races/deadlock/init.ts', '--strategy', 'fair'], /--strategy takes random or pct, got 'fair'/],
      [['explore', 'examples/races/deadlock/init.ts', '--runs', '0'], /--runs takes a whole number >= 1, got '0'/],
      [['replay'], /replay takes one schedule file/],
      [['replay', 'package.json'], /package.json is not a schedule that caduceus explore wrote/],
      [['replay', 'nowhere.json'], /cannot read the schedule nowhere.json/],
    ] as const) {
      const r = await caduceus(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);
});
