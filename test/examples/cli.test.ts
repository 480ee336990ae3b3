// The caduceus command: run exits with init's code, passes argv, prints the
// Console, and answers bad usage with a readable message and exit code 2.

import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function caduceus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/caduceus.mjs', ...args], { cwd: root, timeout: 150_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('caduceus run', () => {
  it("exits with init's code and passes argv after --", async () => {
    const r = await caduceus('run', 'test/fixtures/exit-code.ts', '--memory', '8MiB', '--threads', '1', '--', 'a', 'b', 'c');
    expect(r.stdout).toBe('argv: a b c\n');
    expect(r.code).toBe(43);
  });

  it('prints the fault and exits 1 when init throws', async () => {
    const r = await caduceus('run', 'test/fixtures/throws.ts', '--threads', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/init failed: RangeError: init gave up/);
  });

  it.each([
    [['run'], /run needs the init module/],
    [['run', 'test/fixtures/exit-code.ts', '--memory', 'lots'], /--memory takes a size such as 64MiB/],
    [['run', 'test/fixtures/exit-code.ts', '--memory', '3000'], /whole number of 4096-byte pages/],
    [['run', 'test/fixtures/exit-code.ts', '--threads', '0'], /--threads takes a whole number >= 1/],
    [['run', 'test/fixtures/exit-code.ts', '--colour'], /Unknown option '--colour'/],
    [['run', 'nowhere.ts'], /init module not found/],
    [['run', 'test/fixtures/exit-code.ts', '--memory', '1MiB'], /'memory' must be from 1040 KiB \(260 pages, the least init's objects need\) to 4 GiB; got 1 MiB/],
    [['run', 'test/fixtures/exit-code.ts', '--threads', '256'], /'threads' must be a whole number from 1 to 64, got 256/],
    [['run', 'test/fixtures/exit-code.ts', '--timeout', 'soon'], /--timeout takes a duration such as 30s/],
    [['run', 'test/fixtures/exit-code.ts', '--snapshot', '/nonexistent/x.json'], /^caduceus run: --snapshot cannot write \/nonexistent\/x.json: the folder \/nonexistent does not exist\n$/],
    [['run', 'test/fixtures/exit-code.ts', '--trace', 'test'], /^caduceus run: --trace cannot write test: it is a folder\n$/],
    [['run', 'test/fixtures/exit-code.ts', '--net', '10.1.2.3:6380'], /'net' takes only loopback addresses, HOST:PORT with HOST in 127\.0\.0\.0\/8 or \[::1\] and PORT from 0 to 65535; got '10\.1\.2\.3:6380'/],
    [['run', 'test/fixtures/exit-code.ts', '--net'], /--net/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j is refused with a readable message', async (args, message) => {
    const r = await caduceus(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe(''); // refused before init could run
  });
});

describe('caduceus run --net', () => {
  it('grants init a Net cap for each address given, and none without', async () => {
    const granted = await caduceus('run', 'test/fixtures/net-slot.ts', '--threads', '1', '--net', '127.0.0.1:0', '--net', '[::1]:0');
    expect(granted.code).toBe(0);
    const without = await caduceus('run', 'test/fixtures/net-slot.ts', '--threads', '1');
    expect(without.code).toBe(0);
    expect(granted.stdout).toBe('slot 4: Net, granted 127.0.0.1:0 [::1]:0\n');
    expect(without.stdout).toBe('slot 4: Null, granted nothing\n');
  });
});

describe('caduceus run, how it ends', () => {
  it('runs with the least memory its messages advertise', async () => {
    const r = await caduceus('run', 'test/fixtures/exit-code.ts', '--memory', '1040KiB', '--threads', '1');
    expect(r.code).toBe(40);
  });

  it('says why an exit code out of range becomes 1', async () => {
    const r = await caduceus('run', 'test/fixtures/exit-300.ts', '--threads', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/init exited with code 300, which is not an exit status \(0\.\.255\), so run exits with 1/);
  });

  it('--timeout stops a system that does not end, says what each task was blocked on, exits 124', async () => {
    // Long enough for init to load and block even on a loaded machine.
    const r = await caduceus('run', 'test/fixtures/idle-init.ts', '--threads', '1', '--timeout', '4s');
    expect(r.code).toBe(124);
    expect(r.stdout).toBe('idle\n');
    // A no-progress warning may come first (the watch looks every 2 s); the report is exact.
    const report = r.stderr.slice(r.stderr.indexOf('caduceus run: init did not exit'));
    expect(report).toMatch(/^caduceus run: init did not exit within 4s; stopping the system\n {2}(task_[0-9a-f]+): blocked in Recv on endpoint_[0-9a-f]+\ndeadlocked:\n {2}\1: blocked in recv on endpoint_[0-9a-f]+ \(caddr 20\); only \1 could wake it\n$/);
  });

  it('warns when the system stops making progress with a task deadlocked', async () => {
    const child = spawn(process.execPath, ['bin/caduceus.mjs', 'run', 'test/fixtures/idle-init.ts', '--threads', '1'], { cwd: root });
    let stderr = '';
    const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        if (stderr.includes('could wake it\n')) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await ended).toBe(130);
    expect(stderr).toMatch(/^caduceus run: warning: no progress, and a task is deadlocked:\n {2}(task_[0-9a-f]+): blocked in recv on endpoint_[0-9a-f]+ \(caddr 20\); only \1 could wake it\ncaduceus run: interrupted\n$/);
  });

  it('Ctrl-C says "interrupted" and exits 130, blaming no task', async () => {
    const child = spawn(process.execPath, ['bin/caduceus.mjs', 'run', 'test/fixtures/idle-init.ts', '--threads', '1'], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        if (stdout.includes('idle')) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await ended).toBe(130);
    expect(stderr).toBe('caduceus run: interrupted\n');
  });

  it('a reader that closes the pipe early ends the command quietly', async () => {
    for (const command of ['run examples/hello/init.ts', 'inspect --format map test/fixtures/exit-code.ts']) {
      const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
        execFile('sh', ['-c', `"${process.execPath}" bin/caduceus.mjs ${command} | head -1`], { cwd: root, timeout: 60_000 }, (_e, stdout, stderr) => resolve({ stdout, stderr }));
      });
      expect(r.stdout.split('\n')).toHaveLength(2);
      expect(r.stderr).toBe('');
    }
  });
});

describe('help and version', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };
    const r = await caduceus('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it.each(['run', 'inspect', 'stress', 'explore', 'replay', 'bench'])('%s --help prints its usage and exits 0', async (command) => {
    const r = await caduceus(command, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: caduceus ${command}`));
  });

  it('the top-level usage names every command with its main flags', async () => {
    const r = await caduceus('--help');
    expect(r.code).toBe(0);
    for (const text of ['run <init-module>', '--timeout D', '--inspect [HOST:PORT]', 'inspect <snapshot.json', '--format', '--serve [HOST:PORT]', 'stress', '--faults', 'explore <init-module>', '--strategy random|pct', 'replay <schedule.json>', 'bench [ids...]', '--quick', '--version']) {
      expect(r.stdout).toContain(text);
    }
  });
});

describe('caduceus run --snapshot and caduceus inspect', () => {
  it('writes the state as init exits and renders it every way', async () => {
    const file = `${root}/test/.snapshot-${process.pid}.json`;
    const r = await caduceus('run', 'test/fixtures/exit-code.ts', '--threads', '1', '--snapshot', file);
    expect(r.code).toBe(40);
    const text = await caduceus('inspect', file);
    expect(text.stdout).toMatch(/^-- caduceus snapshot: 16384 pages of 4096 bytes/);
    expect(text.stdout).toMatch(/16: memory_107000 \(RWG\)/);
    expect(text.stdout).toMatch(/root area \(all of physical memory\): 16384 pages/);
    expect((await caduceus('inspect', '--format', 'dot', file)).stdout).toMatch(/^digraph caduceus \{/);
    expect((await caduceus('inspect', '--format', 'mermaid', file)).stdout).toMatch(/^graph LR/);
    expect((await caduceus('inspect', '--format', 'pie', file)).stderr).toMatch(/--format takes one of text, map, dot, mermaid/);
    expect((await caduceus('inspect', 'package.json')).stderr).toMatch(/is not a snapshot/);
    const { unlinkSync } = await import('node:fs');
    unlinkSync(file);
  });

  it("the README's snapshot command leaves a world worth inspecting", async () => {
    const file = `${root}/test/.snapshot-readme-${process.pid}.json`;
    try {
      const r = await caduceus('run', 'examples/kv-server/init.ts', '--snapshot', file, '--', '2', '50', 'keep');
      expect(r.code).toBe(0);
      const text = (await caduceus('inspect', file)).stdout;
      // The server and three clients, their CSpaces, VSpaces, shared Pages and Endpoints, with badges.
      expect(text.match(/^ {2}task_[0-9a-f]+ = /gm)?.length).toBeGreaterThanOrEqual(5);
      expect(text.match(/^ {2}page_[0-9a-f]+ = /gm)?.length).toBeGreaterThanOrEqual(3);
      expect(text).toMatch(/endpoint_[0-9a-f]+ \(RWG, badge: 2\)/);
    } finally {
      const { rmSync } = await import('node:fs');
      rmSync(file, { force: true });
    }
  });

  it('reports an init module that fails to load, exiting 1, and draws nothing', async () => {
    const r = await caduceus('inspect', 'test/fixtures/throws-at-import.ts');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/caduceus inspect: test\/fixtures\/throws-at-import.ts: init failed: Error: cannot load the program file:.*throws-at-import.ts: this module cannot load/);
  });

  it('inspects an init module by running it', async () => {
    const r = await caduceus('inspect', '--format', 'map', 'test/fixtures/exit-code.ts');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/area memory_107000: 16121 pages, 5 metadata, 16116 free, fresh/);
  });
});

describe('caduceus stress', () => {
  it('runs a seeded workload under injected faults and reports no loss, no violation, every page back', async () => {
    const r = await caduceus('stress', '--tasks', '10', '--seconds', '2', '--seed', '5', '--faults', 'kill,throw,destroy-endpoint');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^stress report \(seed 5\)/);
    expect(r.stdout).toMatch(/messages: \d+ delivered, 0 lost, 0 doubled \(servers saw 0 gaps, 0 repeats\)/);
    expect(r.stdout).toMatch(/pages: (\d+) free at boot, \1 after teardown \(every page back\)/);
    expect(r.stdout).toMatch(/invariant checks: \d+, violations: 0/);
    expect(r.stdout).toMatch(/pace: [1-9][\d,]* system calls\/s \(median of 250 ms windows\); 80 % of that \d+\.\d\d s after the workers started, \d+\.\d\d s after boot$/m);
    // A run on the clock warms its threads first, and the report leaves the warm-up out.
    expect(r.stderr).toContain('stress: warming up for 1 s with 10 workers (--warmup 0: none)');
    // The thread counts are in it always: their defaults depend on the cores.
    const cores = availableParallelism();
    expect(r.stdout).toContain(`\nrepeat with: caduceus stress --tasks 10 --seconds 2 --seed 5 --faults kill,throw,destroy-endpoint --threads ${cores} --dedicated ${Math.min(2, cores)}\n`);
  });

  it('with --warmup 0 runs cold, and says so in its repeat line', async () => {
    const r = await caduceus('stress', '--tasks', '4', '--ops', '200', '--seed', '2', '--threads', '1', '--warmup', '0');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).not.toContain('warming up');
    expect(r.stdout).toMatch(/messages: 200 delivered, 0 lost, 0 doubled/);
    expect(r.stdout).toMatch(/^repeat with: caduceus stress --tasks 4 --ops 200 --seed 2 --threads 1 --dedicated 0 --warmup 0$/m);
  });

  it('with --ops and --controlled gives the same report again from its repeat line, faults and all', async () => {
    const a = await caduceus('stress', '--tasks', '6', '--ops', '300', '--seed', '3', '--controlled', '--faults', 'kill,throw,destroy-endpoint', '--threads', '1');
    expect(a.code, `${a.stdout}\n${a.stderr}`).toBe(0);
    const repeat = /^repeat with: caduceus (.*)$/m.exec(a.stdout)?.[1] ?? '';
    expect(repeat).toBe('stress --tasks 6 --ops 300 --seed 3 --faults kill,throw,destroy-endpoint --threads 1 --dedicated 1 --controlled --strategy random');
    const b = await caduceus(...repeat.split(' '));
    expect(a.stdout).toMatch(/faults injected: kill 1\n/);
    expect(a.stdout).toMatch(/schedule: \d+ controlled steps \(random, seed 3\), check\(\) and deadlocks every 1000/);
    expect(a.stdout).toMatch(/messages: 284 delivered, 0 lost, 0 doubled/);
    expect(b.stdout).toBe(a.stdout);
    // --ops alone ends on the calls made, not the clock.
    const plain = await caduceus('stress', '--tasks', '4', '--ops', '200', '--seed', '2', '--threads', '1');
    expect(plain.code, `${plain.stdout}\n${plain.stderr}`).toBe(0);
    expect(plain.stdout).toMatch(/messages: 200 delivered, 0 lost, 0 doubled/);
  }, 120_000);

  it('splits more workers than --group among foremen, and a controlled run of them repeats exactly', async () => {
    const args = ['stress', '--tasks', '24', '--group', '8', '--ops', '2000', '--seed', '4', '--controlled', '--faults', 'kill,throw,destroy-endpoint', '--threads', '1', '--dedicated', '4'];
    const a = await caduceus(...args);
    expect(a.code, `${a.stdout}\n${a.stderr}`).toBe(0);
    expect(a.stdout).toMatch(/tasks: 12 servers, 12 clients, in 3 groups of a foreman each; 3 on dedicated threads\n/);
    expect(a.stdout).toMatch(/faults injected: .*kill [1-9]/);
    expect(a.stdout).toMatch(/messages: [1-9]\d* delivered, 0 lost, 0 doubled/);
    expect(a.stdout).toMatch(/pages: (\d+) free at boot, \1 after teardown \(every page back\)/);
    const repeat = /^repeat with: caduceus (.*)$/m.exec(a.stdout)?.[1] ?? '';
    expect(repeat).toContain('--group 8');
    const b = await caduceus(...repeat.split(' '));
    expect(b.stdout).toBe(a.stdout);
  }, 120_000);

  it('a 20-second soak of more workers than one Endpoint can take caps from, under every fault, reports its memory curve (R4 in small)', async () => {
    // 260 workers: more than 256 caps to one report Endpoint, which once failed every run at once with ERANGE.
    const r = await caduceus('stress', '--tasks', '260', '--seconds', '20', '--seed', '11', '--faults', 'kill,throw,destroy-endpoint');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/messages: \d+ delivered, 0 lost, 0 doubled/);
    expect(r.stdout).toMatch(/pages: (\d+) free at boot, \1 after teardown \(every page back\)/);
    expect(r.stdout).toMatch(/memory every 10 s: RSS [\u2581-\u2588]{2,} \d+ MiB to \d+ MiB; kernel heap [\u2581-\u2588]{2,} /);
    expect(r.stdout).toMatch(/memory growth from 10 s to the end: RSS -?\d+\.\d %, kernel heap -?\d+\.\d %/);
  }, 240_000);

  it('writes a trace and a snapshot of the state halfway through', async () => {
    const trace = `${root}/test/.stress-trace-${process.pid}.json`;
    const snapshot = `${root}/test/.stress-snapshot-${process.pid}.json`;
    try {
      const r = await caduceus('stress', '--tasks', '40', '--seconds', '2', '--seed', '11', '--trace', trace, '--snapshot', snapshot);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stderr).toContain(`stress: trace written to ${trace}`);
      const events = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: Array<{ name: string }> };
      expect(events.traceEvents.some((e) => e.name === 'Call')).toBe(true);
      // Halfway, the workers are there: a Task object for each of them and init.
      const text = await caduceus('inspect', snapshot);
      expect(text.code).toBe(0);
      expect((text.stdout.match(/^\s*task_[0-9a-f]+/gm) ?? []).length).toBeGreaterThanOrEqual(20);
    } finally {
      rmSync(trace, { force: true });
      rmSync(snapshot, { force: true });
    }
  }, 120_000);

  it('refuses options it cannot use, and options that do not go together', async () => {
    for (const [args, message] of [
      [['--faults', 'kill,explode'], /--faults takes kill, throw, destroy-endpoint, got 'explode'/],
      [['--controlled'], /--controlled needs --ops N: a run that ends on the clock cannot repeat exactly/],
      [['--ops', '10', '--seconds', '3'], /--seconds and --ops are two ways to end the run: give one/],
      [['--strategy', 'pct'], /--strategy and --depth go with --controlled/],
      [['--ops', '10', '--controlled', '--strategy', 'fair'], /--strategy takes random or pct, got 'fair'/],
      [['--threads', '65'], /--threads takes a whole number from 1 to 64, got '65'/],
      [['--ops', '0'], /--ops takes a whole number >= 1, got '0'/],
      [['--tasks', '200000'], /--tasks 200000 needs 7081 MiB of physical memory, more than the 4 GiB a system can have: at most 115489 tasks fit/],
      [['--tasks', '2000', '--memory', '64MiB'], /--tasks 2000 needs --memory of at least 87 MiB, got 64MiB/],
      [['--memory', 'lots'], /--memory takes a size such as 64MiB/],
      [['--group', '3'], /--group takes a whole number >= 4, got '3'/],
      [['--group', '10001'], /--group takes a whole number from 4 to 10000: a group keeps 5 to 7 caps of each worker in a CSpace of 65,536 slots; got 10001/],
      [['--dedicated', 'many'], /--dedicated takes a whole number >= 0, got 'many'/],
      [['--snapshot', '/nonexistent-dir/x.json'], /--snapshot/],
      [['--warmup', 'soon'], /--warmup takes a whole number >= 0, got 'soon'/],
      [['--ops', '10', '--controlled', '--warmup', '1'], /--warmup goes with runs that are not controlled/],
    ] as const) {
      const r = await caduceus('stress', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);
});
