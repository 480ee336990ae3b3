// boot(): option errors, init's BootInfo and fixed slots, exit statuses, and
// nothing left running.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { boot, BootError, ObjectType as T, PAGE_SIZE } from '../../src/index.ts';
import { fixture, start } from './helpers.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('boot options', () => {
  const init = fixture('exit-code.ts');
  it.each([
    ['no options', undefined, /takes an options object/],
    ['no init', {}, /'init' is required/],
    ['missing init module', { init: fixture('nope.ts') }, /init module not found: .*nope\.ts/],
    ['memory not whole pages', { init, memory: 1_000_000 }, /whole number of 4096-byte pages/],
    ['memory too small', { init, memory: 4096 * 10 }, /from 1040 KiB \(260 pages, the least init's objects need\) to 4 GiB; got 40 KiB/],
    ['memory too large', { init, memory: 8 * 2 ** 30 }, /from 1040 KiB .* to 4 GiB; got 8 GiB/],
    ['memory of 1 MiB, which cannot hold init', { init, memory: 1 << 20 }, /'memory' must be from 1040 KiB .*; got 1 MiB/],
    ['init an empty string', { init: '' }, /'init' must be the URL or path of init's module, got an empty string/],
    ['init a number', { init: 7 }, /'init' must be the URL or path of init's module, got 7/],
    ['threads past the bound', { init, threads: 256 }, /'threads' must be a whole number from 1 to 64, got 256/],
    ['threads zero', { init, threads: 0 }, /'threads' must be a whole number from 1/],
    ['threads fractional', { init, threads: 1.5 }, /'threads'/],
    ['bad regions', { init, regions: [10, -1] }, /'regions' must be a non-empty array/],
    ['bad argv', { init, argv: [1] }, /'argv' must be an array of strings/],
    ['bad console', { init, console: 'stdout' }, /'console' must be a function/],
    ['unknown option', { init, memroy: 1 }, /unknown option 'memroy'/],
    ['net not an array', { init, net: '127.0.0.1:6380' }, /'net' must be an array of loopback addresses/],
    ['net not loopback', { init, net: ['10.0.0.1:6380'] }, /'net' takes only loopback addresses.*got '10\.0\.0\.1:6380'/],
    ['net without a port', { init, net: ['127.0.0.1'] }, /'net' takes only loopback addresses/],
    ['net port past 65535', { init, net: ['127.0.0.1:70000'] }, /'net' takes only loopback addresses/],
    ['net octet past 255', { init, net: ['127.0.0.300:1'] }, /'net' takes only loopback addresses/],
    ['net twice', { init, net: ['[::1]:7', '[::1]:7'] }, /'net' names '\[::1\]:7' twice/],
    ['net with schedule', { init, net: ['127.0.0.1:0'], schedule: { seed: 1 } }, /'net' and 'schedule' do not go together/],
  ])('%s', async (_name, options, message) => {
    const error = await boot(options as never).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(BootError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses regions the memory cannot hold, after starting the kernel thread, and leaves nothing running', async () => {
    const error = await boot({ init, memory: 2 << 20, regions: [100_000], threads: 1 }).then(() => null, (e: unknown) => e);
    expect((error as Error).message).toMatch(/regions ask for 100000 pages but only \d+ are left/);
  });

  it('boots with the least memory it advertises, 260 pages', async () => {
    const system = await boot({ init, memory: 260 * 4096, threads: 1, console: () => {} });
    try {
      expect((await system.exited).code).toBe(40);
    } finally {
      await system.shutdown();
    }
  });
});

describe('init', () => {
  it('gets its BootInfo and fixed slots', async () => {
    const system = await start('boot-info.ts', { memory: 32 * 2 ** 20, regions: [4000, 2000], argv: ['-v', 'x'] });
    const status = await system.exited;
    const { boot: info, ids, free } = status.value as {
      boot: { argv: string[]; memory: Array<{ cap: number; phys: number; pages: number }>; free: { start: number; end: number } };
      ids: Array<{ type: number; refs?: number; pages?: number }>;
      free: number;
    };
    expect(status.code).toBe(0);
    expect(info).toMatchObject({ argv: ['-v', 'x'], cspace: 0, vspace: 1, task: 2, console: 3, pageSize: PAGE_SIZE });
    expect(info.memory.map((m) => [m.cap, m.pages])).toEqual([[16, 4000], [17, 2000]]);
    expect(info.free).toEqual({ start: 18, end: 65536 });
    expect(ids.map((i) => i.type)).toEqual([T.CSpace, T.VSpace, T.Task, T.Console, T.Memory, T.Memory, T.Null]);
    expect(ids[4].pages).toBe(4000);
    expect(free).toBe(4000 - 2);
  });

  it('exits with the number it returns, and its value', async () => {
    const system = await start('exit-code.ts', { argv: ['a', 'b'] });
    expect(await system.exited).toEqual({ code: 42, value: 42 });
    expect((system as unknown as { lines: string[] }).lines).toEqual(['argv: a b']);
  });

  it('reports a fault when it throws', async () => {
    const status = await (await start('throws.ts')).exited;
    expect(status.code).toBe(1);
    expect(status.fault).toMatchObject({ name: 'RangeError', message: 'init gave up' });
  });

  it('reports a fault when its module declares no task', async () => {
    const status = await (await start('no-task.ts')).exited;
    expect(status.fault?.message).toMatch(/no default export made with task\(\)/);
  });
});

describe('host scripts', () => {
  it('a script that boots, runs and shuts down exits by itself within seconds', async () => {
    const t0 = performance.now();
    const { stdout } = await run(process.execPath, ['--conditions=caduceus-source', '--import', 'tsx', 'test/fixtures/host-script.ts'], { cwd: root, timeout: 20_000 });
    expect(stdout).toMatch(/exited with 41/);
    expect(performance.now() - t0).toBeLessThan(15_000);
  });

  it('a script whose boot is refused exits by itself', async () => {
    const { stdout } = await run(process.execPath, ['--conditions=caduceus-source', '--import', 'tsx', 'test/fixtures/host-script.ts', 'reject'], { cwd: root, timeout: 20_000 });
    expect(stdout).toMatch(/rejected: boot: regions ask for/);
  });
});
