// boot({ trace }) writes a Chrome/Perfetto trace: tracks per thread and task,
// a slice per system call, flows from each send to its receive, counters.

import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { start } from './helpers.ts';

interface Event {
  name: string;
  ph: string;
  ts: number;
  tid: number;
  dur?: number;
  id?: number;
  args?: Record<string, unknown>;
}

it('writes a trace that parses and holds the expected events', async () => {
  const file = join(tmpdir(), `caduceus-trace-${process.pid}.json`);
  const system = await start('ipc-lengths.ts', { threads: 2, argv: ['16'], trace: file });
  expect((await system.exited).fault).toBeUndefined();
  await system.shutdown();
  const { traceEvents: events } = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: Event[] };
  rmSync(file);
  const names = events.filter((e) => e.ph === 'M').map((e) => e.args?.name as string);
  expect(names).toContain('kernel thread');
  expect(names).toContain('pooled thread 0');
  expect(names.some((n) => /^dedicated thread \(channel \d+\)$/.test(n))).toBe(true);
  expect(names.filter((n) => /^task 0x[0-9a-f]+ \((pool|dedicated)\)$/.test(n)).length).toBeGreaterThanOrEqual(9);
  const calls = events.filter((e) => e.ph === 'X' && e.tid >= 100_000);
  // 8 echo runs x 17 lengths, each a call or a send+recv from init.
  expect(calls.filter((e) => e.name === 'Call').length).toBeGreaterThanOrEqual(4 * 17);
  expect(calls.every((e) => typeof e.dur === 'number' && e.dur > 0 && typeof e.args?.result === 'string')).toBe(true);
  expect(calls.some((e) => e.name === 'NbSend' && e.args?.result === 'EAGAIN')).toBe(true);
  const starts = new Map(events.filter((e) => e.ph === 's').map((e) => [e.id, e]));
  const finishes = events.filter((e) => e.ph === 'f');
  expect(finishes.length).toBeGreaterThan(8 * 17);
  for (const f of finishes) expect(starts.get(f.id)?.tid).not.toBe(f.tid);
  expect(finishes.length).toBe(starts.size);
  expect(events.some((e) => e.ph === 'C' && e.name === 'free pages' && typeof e.args?.free === 'number')).toBe(true);
  expect(events.some((e) => e.ph === 'C' && e.name === 'blocked tasks')).toBe(true);
});
