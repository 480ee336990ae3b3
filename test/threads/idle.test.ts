// An idle system burns no CPU: every thread parks within about a
// millisecond of having nothing to do. (Its own file: the measurement is of
// this whole process, all threads.)

import { expect, it } from 'vitest';
import { start } from './helpers.ts';

it('an idle system uses almost no CPU', async () => {
  const lines: string[] = [];
  await start('idle-init.ts', { threads: 2, console: (line) => lines.push(line) });
  while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const used = process.cpuUsage(before);
  const cpuMs = (used.user + used.system) / 1000;
  const wallMs = performance.now() - t0;
  // Four threads spinning would use ~2 cores' worth; parked ones use next to nothing.
  expect(cpuMs / wallMs).toBeLessThan(0.1);
});
