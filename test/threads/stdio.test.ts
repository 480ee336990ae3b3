// No line a task writes to its stdout or stderr is lost when the task or the
// system ends (issue 8). Worker threads' stdout is posted to the parent
// thread asynchronously, and terminating a thread drops what is in flight:
// before the fix, about one run in three lost lines. So the command is run
// many times, a few at once to keep the test short.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { CHILDREN, LINES } from '../fixtures/chatty-init.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = 12;
const AT_ONCE = 4;

function run(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/caduceus.mjs', 'run', 'test/fixtures/chatty-init.ts', '--threads', '2'], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function expected(stream: 'out' | 'err'): string[] {
  const names = [...CHILDREN.map((c) => c.name), 'init'];
  return names.flatMap((name) => Array.from({ length: LINES }, (_, i) => `${name} ${stream} ${i}`)).sort();
}

it(`every console.log and console.error line of init, pooled and dedicated tasks arrives, whether they return, exit, are killed or outlive init (${RUNS} runs)`, async () => {
  const lost: string[] = [];
  for (let batch = 0; batch < RUNS / AT_ONCE; batch++) {
    const results = await Promise.all(Array.from({ length: AT_ONCE }, run));
    for (const [i, r] of results.entries()) {
      const n = batch * AT_ONCE + i;
      expect(r.code, `run ${n}: ${r.stderr}`).toBe(0);
      const out = r.stdout.split('\n').filter(Boolean).sort();
      const err = r.stderr.split('\n').filter(Boolean).sort();
      const missing = [...expected('out').filter((l) => !out.includes(l)), ...expected('err').filter((l) => !err.includes(l))];
      if (missing.length > 0) lost.push(`run ${n} lost ${missing.join(', ')}`);
    }
  }
  expect(lost).toEqual([]);
}, 120_000);
