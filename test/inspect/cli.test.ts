// The inspector from the command line: run, stress and replay --inspect,
// and inspect --serve for a snapshot and a trace; the printed URL, what the
// page's state shows, the end, and bad addresses refused with exit 2.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TaskRow } from '../../src/inspect/protocol.ts';
import { control, getJson, poll, state } from './helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'caduceus-inspect-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function caduceus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/caduceus.mjs', ...args], { cwd: root, timeout: 150_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface Running {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts a command and waits for the inspector URL it prints. */
async function started(...args: string[]): Promise<Running> {
  const child = spawn(process.execPath, ['bin/caduceus.mjs', ...args], { cwd: root });
  children.push(child);
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no inspector URL within 60 s; stderr: ${stderr}`)), 60_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      const found = /inspector at (http:\/\/\S+)\n/.exec(stderr);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before printing a URL; stderr: ${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr, stdout: () => stdout };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('caduceus run --inspect', () => {
  it('prints the URL and serves the page while the system runs, then closes it', async () => {
    const r = await started('run', 'test/fixtures/idle-init.ts', '--threads', '1', '--timeout', '8s', '--inspect');
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const seen = await poll('init blocked in Recv', () => state(r.url), (h) => h.live?.tasks.some((t) => t.call === 'Recv' && t.state === 'blocked') === true);
    expect(seen.title).toBe('test/fixtures/idle-init.ts');
    expect(await (await fetch(r.url)).text()).toMatch(/<title>Caduceus inspector<\/title>/);
    expect(await r.exited).toBe(124);
    expect(r.stdout()).toBe('idle\n');
    await expect(fetch(r.url)).rejects.toThrow();
  });

  it('listens where it is told', async () => {
    const port = await freePort();
    const r = await started('run', 'test/fixtures/idle-init.ts', '--threads', '1', '--timeout', '3s', '--inspect', `127.0.0.1:${port}`);
    expect(r.url).toBe(`http://127.0.0.1:${port}/`);
    expect((await getJson(r.url, 'api/state')).status).toBe(200);
    expect(await r.exited).toBe(124);
  });

  it.each([
    [['--inspect', '99999'], /^caduceus run: --inspect takes HOST:PORT, PORT or HOST .*, got '99999'\n$/],
    [['--inspect=local host'], /--inspect takes HOST:PORT, PORT or HOST/],
    [['--inspect', '--inspect'], /^caduceus run: --inspect is given twice\n$/],
    [['--inspect=192.0.2.1:0'], /^caduceus run: boot: the inspector cannot listen on 192\.0\.2\.1:0: no network interface of this machine has that address\n$/],
  ])('%j is refused with a readable message', async (flags, message) => {
    const r = await caduceus('run', 'test/fixtures/exit-code.ts', '--threads', '1', ...flags);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('refuses a port in use', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const r = await caduceus('run', 'test/fixtures/exit-code.ts', '--threads', '1', '--inspect', String(port));
      expect(r.stderr).toBe(`caduceus run: boot: the inspector cannot listen on 127.0.0.1:${port}: the port is in use\n`);
      expect(r.code).toBe(2);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe('caduceus stress --inspect', () => {
  it('watches the workload and still reports it', async () => {
    const r = await started('stress', '--tasks', '6', '--seconds', '4', '--seed', '3', '--inspect');
    const seen = await poll('the workers at work', () => state(r.url), (h) => (h.live?.tasks.length ?? 0) >= 6 && (h.live?.point.totalCalls ?? 0) > 0);
    expect(seen.controllable).toBe(false);
    expect(await r.exited).toBe(0);
    expect(r.stdout()).toMatch(/stress report \(seed 3\)/);
  });
});

describe('caduceus replay --inspect', () => {
  it('starts the replay paused, steps it from the page, and shows the end until Ctrl-C', async () => {
    const schedule = join(work, 'deadlock.json');
    const explored = await caduceus('explore', 'examples/races/deadlock/init.ts', '--seed', '1', '--runs', '30', '--out', schedule);
    expect(explored.code).toBe(1);
    const r = await started('replay', schedule, '--inspect');
    expect(r.stderr()).toMatch(/the run is paused before its first step/);
    const held = await poll('held at step 0', () => state(r.url), (h) => h.live?.controlled?.held === true);
    expect(held.live?.controlled?.steps).toBe(0);
    await control(r.url, { action: 'step', count: 3 });
    await poll('held at step 3', () => state(r.url), (h) => h.live?.controlled?.held === true && h.live.controlled.steps === 3);
    await control(r.url, { action: 'resume' });
    const ended = await poll('the end shown', () => state(r.url), (h) => h.ended !== null);
    expect(ended.ended?.fault?.name).toBe('Deadlock');
    expect(ended.live?.warnings.some((w) => w.kind === 'failed')).toBe(true);
    await poll('the end said', async () => r.stderr(), (text) => text.includes('the run is over; the inspector shows its end until Ctrl-C'));
    // stdout is a pipe of its own: what was written to it before that line may still be on its way.
    await poll('the verdict printed', async () => r.stdout(), (text) => /reproduced: the same \d+ steps, results and verdict/.test(text));
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(0);
  });
});

describe('caduceus inspect --serve', () => {
  const snapshot = join(work, 'state.json');
  const trace = join(work, 'trace.json');

  it('serves a snapshot until Ctrl-C', async () => {
    const made = await caduceus('run', 'examples/kv-server/init.ts', '--snapshot', snapshot, '--trace', trace, '--', '2', '50', 'keep');
    expect(made.code).toBe(0);
    const r = await started('inspect', '--serve', snapshot);
    const hello = await state(r.url);
    expect(hello.mode).toBe('snapshot');
    expect(hello.controllable).toBe(false);
    expect(hello.state?.snapshot.objects.some((o) => o.type === 'Endpoint')).toBe(true);
    expect(hello.live?.tasks.length).toBe(hello.state?.snapshot.tasks.length);
    expect((await control(r.url, { action: 'step' })).status).toBe(403);
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(0);
    await expect(fetch(r.url)).rejects.toThrow();
  });

  it('serves a trace: its counters over time, and the tasks at a time picked', async () => {
    const r = await started('inspect', '--serve', trace);
    const hello = await state(r.url);
    expect(hello.mode).toBe('trace');
    expect(hello.duration).toBeGreaterThan(0);
    expect(hello.history.at(-1)?.totalCalls).toBeGreaterThan(100);
    // At the end every task that ever ran has a row, the server on its dedicated thread among them.
    // (Not at 90 % of the trace: under load the server's thread may spend longer loading than the
    // whole workload takes, and make its first call after that.)
    const end = (await getJson<TaskRow[]>(r.url, `api/tasks?at=${hello.duration as number}`)).body;
    expect(end.some((t) => t.thread === 'dedicated')).toBe(true);
    // At the very start fewer tasks had called: the rows are of a time.
    const start = (await getJson<TaskRow[]>(r.url, 'api/tasks?at=0.001')).body;
    expect(start.length).toBeLessThan(end.length);
    expect((await getJson(r.url, 'api/tasks?at=soon')).status).toBe(400);
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(0);
  });

  it.each([
    [['inspect', '--serve', '--format', 'dot', 'x.json'], /--serve shows the page, --format prints a view: give one/],
    [['inspect', 'TRACE'], /is a trace: serve it with caduceus inspect --serve/],
    [['inspect', '--serve', 'package.json'], /is not a snapshot written by caduceus run --snapshot, nor a trace written by caduceus run --trace/],
  ])('%j is refused', async (args, message) => {
    const r = await caduceus(...args.map((a) => (a === 'TRACE' ? trace : a)));
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});
