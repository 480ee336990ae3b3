// Every example runs with `caduceus run`, ends well, and says what it should,
// several times over (two at a time), so that a race in an example shows up
// here rather than one run in five on a user's machine.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(example: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['bin/caduceus.mjs', 'run', `examples/${example}/init.ts`, ...(argv.length > 0 ? ['--', ...argv] : [])];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** How often each example runs per test. */
const RUNS = 4;

type Run = Awaited<ReturnType<typeof run>>;

/** Runs an example RUNS times, two at a time, and checks every run with `expectRun`. */
async function everyRun(example: string, argv: string[], expectRun: (r: Run) => void): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i += 2) runs.push(...(await Promise.all([run(example, ...argv), run(example, ...argv)])));
  runs.forEach((r, i) => {
    try {
      expectRun(r);
    } catch (error) {
      throw new Error(`run ${i + 1} of ${RUNS} of ${example}: ${(error as Error).message}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
    }
  });
  return runs;
}

describe('examples', () => {
  it('hello: every cost predicted exactly, every page back', async () => {
    await everyRun('hello', [], (r) => {
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('MISMATCH');
      expect(r.stdout).toMatch(/CSpace\s+\(size 12\) costs 16 page\(s\)/);
      expect(r.stdout).toMatch(/the 1000-page child pays 1 page of its own metadata, so it has 999 free/);
      expect(r.stdout).toMatch(/16116 free again \(as at boot\)/);
    });
  });

  it('ping-pong: prints the round-trip times', async () => {
    await everyRun('ping-pong', ['500'], (r) => {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/500 round trips \(call \+ reply\) between a pooled and a dedicated thread/);
      expect(r.stdout).toMatch(/min [\d.]+ µs, median [\d.]+ µs, p99 [\d.]+ µs, max [\d.]+ µs/);
    });
  });

  it('memory-handoff: copy, move, ERANGE at the 257th reference, revoke, everything back', async () => {
    await everyRun('memory-handoff', [], (r) => {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('alice: got a copy of the Memory cap in slot 10: it has 2 references');
      expect(r.stdout).toContain('bob: the 257th reference: ERANGE');
      expect(r.stdout).toContain('alice reports: my 8 Pages are all gone (Null)');
      expect(r.stdout).toContain('everything returned: 16116 free (as at boot)');
    });
  });

  it('dma-contiguous: contiguous Pages from a fresh area viewed as one array; not from a fragmented one', async () => {
    await everyRun('dma-contiguous', [], (r) => {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/8 Pages from a fresh child area .*: physically contiguous/);
      expect(r.stdout).toMatch(/one 32768-byte view spans all 8 pages; bytes 4090\.\.4101 read back as 74,75,76/);
      expect(r.stdout).toMatch(/a view across them is EFAULT/);
    });
  });

  it('supervisor: the same seed makes the same crashes and restarts', async () => {
    const decisions = (out: string) => out.split('\n').filter((l) => l.startsWith('supervisor:')).sort();
    const runs = await everyRun('supervisor', ['11'], (r) => {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/supervisor: \d+ crash\(es\) handled; every page back/);
      expect(r.stdout).toMatch(/restarting, attempt 2/);
    });
    for (const r of runs.slice(1)) expect(decisions(r.stdout)).toEqual(decisions(runs[0].stdout));
  });

  it('kv-server (npm start): clients by badge, values in shared Pages, a deferred answer, every page back', async () => {
    await everyRun('kv-server', ['3', '300'], (r) => {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('watcher: WAIT on "announcement" was answered later: "the last client says hello"');
      for (const id of [1, 2, 3]) expect(r.stdout).toMatch(new RegExp(`client ${id}: 300 requests in \\d+ ms \\(\\d+/s\\), 0 wrong values`));
      expect(r.stdout).toMatch(/all clients: 900 requests, \d+\/s together, 0 wrong values; the server exited with code 0/);
      expect(r.stdout).toContain('revoked everything: every page back');
    });
  });

  it('handoff: Memory handed around the ring, every page back', async () => {
    await everyRun('handoff', [], (r) => {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/init: 16121 pages handed to me, 5 of them metadata: 16116 free/);
      for (const name of ['ada', 'bob', 'cyd']) {
        expect(r.stdout).toContain(`${name}: received 50 pages`);
        expect(r.stdout).toContain(`init: ${name} finished: share back to 199 free`);
      }
      expect(r.stdout).toMatch(/all taken back: 16116 free \(every page came home\)/);
    });
  });
});
