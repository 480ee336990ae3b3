// `npm start` runs the core tour: it must run to the end with every
// invariant holding and the accounting it prints adding up.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('the core tour runs, its figures add up and its invariants hold', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/core-tour.ts'], { cwd: root, encoding: 'utf8' });
  expect(out).toMatch(/free pages: 16116 \(= 16121 - 5\)/);
  expect(out).toMatch(/one more copy: ERANGE/);
  expect(out).not.toMatch(/MISMATCH/);
  expect(out).toMatch(/Invariants: all hold\./);
});
