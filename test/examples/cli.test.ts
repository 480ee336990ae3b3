// The caduceus command: run exits with init's code, passes argv, prints the
// Console, and answers bad usage with a readable message and exit code 2.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function caduceus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/caduceus.mjs', ...args], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
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
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j is refused with a readable message', async (args, message) => {
    const r = await caduceus(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
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

  it('inspects an init module by running it', async () => {
    const r = await caduceus('inspect', '--format', 'map', 'test/fixtures/exit-code.ts');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/area memory_107000: 16121 pages, 5 metadata, 16116 free, fresh/);
  });
});

describe('caduceus stress', () => {
  it('runs a seeded workload under injected faults and reports no loss, no violation, every page back', async () => {
    const r = await caduceus('stress', '--tasks', '10', '--seconds', '2', '--seed', '5', '--faults', 'kill,throw,destroy-endpoint');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^stress report \(seed 5\)/);
    expect(r.stdout).toMatch(/messages: \d+ delivered, 0 lost, 0 doubled \(servers saw 0 gaps, 0 repeats\)/);
    expect(r.stdout).toMatch(/pages: (\d+) free at boot, \1 after teardown \(every page back\)/);
    expect(r.stdout).toMatch(/invariant checks: \d+, violations: 0/);
  });

  it('refuses unknown faults', async () => {
    const r = await caduceus('stress', '--faults', 'kill,explode');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--faults takes kill, throw, destroy-endpoint, got 'explode'/);
  });
});
