// The inspector of real systems booted with boot({ inspect }): what the
// state shows of a running system, the event stream's rate, a read-only
// system refusing controls, a controlled one paused, stepped, run to a
// step and resumed, bad options and addresses refused with nothing left
// running, and shutdown closing it all.

import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { boot, BootError } from '../../src/index.ts';
import type { ControlView, Hello, LiveView } from '../../src/inspect/protocol.ts';
import { fixture, start } from '../threads/helpers.ts';
import { control, EventReader, poll, state } from './helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

const live = (h: Hello): LiveView => {
  if (!h.live) throw new Error('no live view yet');
  return h.live;
};

describe('the inspector of a running system', () => {
  it('shows its tasks, its objects and a deadlock, and streams views at 2 Hz or more', async () => {
    const system = await start('idle-init.ts', { inspect: true });
    expect(system.inspectUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const url = system.inspectUrl as string;
    // init blocks for ever in recv on an Endpoint only it holds: a deadlock.
    const seen = await poll(
      'init blocked in Recv, with its deadlock warned of',
      () => state(url),
      (h) => h.live?.tasks.some((t) => t.call === 'Recv' && t.waiting === 'blocked') === true && h.live.warnings.some((w) => w.kind === 'deadlock'),
    );
    expect(seen.mode).toBe('live');
    expect(seen.controllable).toBe(false);
    const [init] = live(seen).tasks;
    expect(init).toMatchObject({ state: 'blocked', call: 'Recv', waiting: 'blocked', thread: 'pooled 0', ordinal: 0 });
    expect(init.waitsOn).toMatchObject({ type: 'Endpoint' });
    expect(live(seen).warnings.find((w) => w.kind === 'deadlock')?.text).toBe('deadlock: no task can go on; 1 task can never be woken');
    expect(seen.state?.snapshot.objects.some((o) => o.type === 'Endpoint' && init.waitsOn !== 'answer' && o.phys === init.waitsOn?.phys)).toBe(true);
    expect(seen.history.length).toBeGreaterThan(0);
    const stream = new EventReader(url);
    try {
      await stream.until('a hello', (e) => e.length > 0);
      const t0 = Date.now();
      await stream.until('six live views', (e) => e.filter((x) => x.event === 'live').length >= 6);
      // Four a second when nothing is slow; "at least two" with room for a loaded machine.
      expect(Date.now() - t0).toBeLessThan(6000);
    } finally {
      stream.close();
    }
  });

  it('refuses to pause or step a system that is not controlled', async () => {
    const system = await start('idle-init.ts', { inspect: true });
    const r = await control(system.inspectUrl as string, { action: 'pause' });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/^the system is not in controlled mode, so the inspector only watches it/);
  });

  it('pauses a controlled run before its first step, steps it, runs it to a step, and resumes it to its end', async () => {
    const system = await start('controlled/race-init.ts', { threads: 1, schedule: { seed: 7, strategy: 'random' }, inspect: { paused: true } });
    const url = system.inspectUrl as string;
    const held = await poll('the run held at step 0', () => state(url), (h) => h.live?.controlled?.held === true);
    expect(held.controllable).toBe(true);
    expect(live(held).controlled).toMatchObject({ steps: 0, limit: 0, held: true, ended: false, enabled: [{ task: 0, op: 'Alloc' }] });
    // Init's first call waits for its turn, which its row says.
    expect(live(held).tasks[0]).toMatchObject({ ordinal: 0, call: 'Alloc', waiting: 'parked' });
    // Held, nothing moves.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(live(await state(url)).controlled?.steps).toBe(0);

    const one = (await control(url, { action: 'step' })).body as unknown as ControlView;
    expect(one.steps).toBe(1);
    expect(one.decisions).toEqual([{ step: 0, task: 0, op: 'Alloc', result: 'OK' }]);
    await poll('held after step 1', () => state(url), (h) => h.live?.controlled?.held === true && h.live.controlled.steps === 1);
    await control(url, { action: 'step', count: 4 });
    await poll('held after step 5', () => state(url), (h) => h.live?.controlled?.held === true && h.live.controlled.steps === 5);
    const past = await control(url, { action: 'run-to', step: 3 });
    expect(past).toEqual({ status: 409, body: { error: 'the run is at step 5, past step 3 already' } });
    await control(url, { action: 'run-to', step: 12 });
    const at12 = await poll('held before step 12', () => state(url), (h) => h.live?.controlled?.held === true && h.live.controlled.steps === 12);
    expect(live(at12).controlled?.decisions.map((d) => d.step)).toEqual([...Array(12).keys()]);
    await control(url, { action: 'pause' });
    await control(url, { action: 'resume' });
    const status = await system.exited;
    expect(status.fault).toBeUndefined();
    expect(status.value).toHaveLength(8);
    // Stepping never changes the run: its decisions are the seed's, whoever paced them.
    const free = await boot({ init: fixture('controlled/race-init.ts'), threads: 1, schedule: { seed: 7, strategy: 'random' }, console: () => {} });
    try {
      const alone = await free.exited;
      expect(alone.value).toEqual(status.value);
      expect(alone.schedule?.decisions).toEqual(status.schedule?.decisions);
    } finally {
      await free.shutdown();
    }
    const ended = await poll('the end shown', () => state(url), (h) => h.ended !== null);
    expect(ended.ended).toEqual({ code: 0 });
    expect(ended.state?.final).toBe(true);
    expect(live(ended).controlled?.ended).toBe(true);
    expect(await control(url, { action: 'step' })).toEqual({ status: 409, body: { error: 'the run has ended: there is nothing left to step' } });
  });

  it('is closed by shutdown: the stream ends and the port refuses', async () => {
    const system = await boot({ init: fixture('idle-init.ts'), threads: 1, console: () => {}, inspect: { port: 0 } });
    const url = system.inspectUrl as string;
    const stream = new EventReader(url);
    try {
      await stream.until('a hello', (e) => e.length > 0);
    } finally {
      await system.shutdown();
    }
    await stream.done;
    expect(stream.ended).toBe(true);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('leaves nothing behind: a host script with an inspector exits by itself', async () => {
    const { stdout } = await run(process.execPath, ['--conditions=caduceus-source', '--import', 'tsx', 'test/fixtures/inspect-host.ts'], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/^watched at http:\/\/127\.0\.0\.1:\d+\/: init exited with 41; \d+ live views\nshut down\n$/);
  });
});

describe('boot refuses a bad inspect option, with nothing left running', () => {
  const init = fixture('exit-code.ts');

  it.each([
    ['not an object', { inspect: 'yes' }, /'inspect' must be true or \{ host\?, port\?, paused\? \}, got 'yes'/],
    ['an unknown key', { inspect: { prot: 80 } }, /'inspect' must be true or \{ host\?, port\?, paused\? \}; unknown key 'prot'/],
    ['a port out of range', { inspect: { port: 70_000 } }, /'inspect.port' must be a port number from 0 \(any free port\) to 65535, got 70000/],
    ['a port not a number', { inspect: { port: '80' } }, /'inspect.port' must be a port number .*, got '80'/],
    ['an empty host', { inspect: { host: '' } }, /'inspect.host' must be a host name or IP address to listen on, such as '127.0.0.1', got an empty string/],
    ['paused without a schedule', { inspect: { paused: true } }, /'inspect.paused' needs a controlled run \(the 'schedule' option\)/],
  ])('%s', async (_name, options, message) => {
    const error = await boot({ init, ...options } as never).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(BootError);
    expect((error as Error).message).toMatch(message);
  });

  it('a port in use, and an address of no interface here', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const error = await boot({ init, threads: 1, inspect: { port } }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(BootError);
      expect((error as Error).message).toBe(`boot: the inspector cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    const error = await boot({ init, threads: 1, inspect: { host: '192.0.2.1' } }).then(() => null, (e: unknown) => e);
    expect((error as Error).message).toBe('boot: the inspector cannot listen on 192.0.2.1:0: no network interface of this machine has that address');
  });
});
