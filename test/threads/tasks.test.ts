// Tasks on threads: the core's rules hold end to end from pooled and
// dedicated tasks; tasks end in every way without taking anything down or
// leaking anything.

import { describe, expect, it } from 'vitest';
import { start } from './helpers.ts';

describe('Memory and CSpace operations through sys', () => {
  it('give the same outcomes from init, a pooled child and a dedicated child', async () => {
    const system = await start('core-ops-init.ts');
    const status = await system.exited;
    expect(status.fault).toBeUndefined();
    const [own, pooled, dedicated] = status.value as Array<Array<[string, unknown]>>;
    const outcome = Object.fromEntries(own);
    expect(outcome).toMatchObject({
      'free at start': 63,
      'alloc 3 pages': 'OK',
      'free after': 60,
      'identify page': { type: 5, rights: 7, badge: 0, pages: 1, refs: 1 },
      contiguous: 8192,
      'identify copy': { type: 7, rights: 3, badge: 5, refs: 2 },
      'copy onto occupied': 'EEXIST',
      rebadge: 'EINVAL',
      'moved from': { type: 0 },
      'moved to': { type: 7, badge: 5 },
      'refs at limit': { refs: 256 },
      'copy past 256': 'ERANGE',
      'refs after': { refs: 1 },
      'child free': 9,
      'child free after': 7,
      'gone with it': { type: 0 },
      'bad type': 'EINVAL',
      'caddr out of range': 'EBADF',
      'wrong object': 'ENOTSUP',
      'count 0': 'EINVAL',
      occupied: 'EEXIST',
      'too big': 'ENOMEM',
      'read-only alloc': 'EPERM',
      'free at end': 63,
    });
    expect(pooled).toEqual(own);
    expect(dedicated).toEqual(own);
    expect(await system.check()).toEqual({ ok: true, violations: [] });
  });
});

describe('tasks that end', () => {
  it.each([1, 2])('throw, exit, return, escape, fail to load or are killed, on %i pooled thread(s), and nothing is lost', async (threads) => {
    const system = await start('supervisor.ts', { threads });
    const status = await system.exited;
    expect(status.fault).toBeUndefined();
    const report = status.value as {
      children: Array<{ mode: string; thread: string; badge: number }>;
      messages: Array<{ badge: number; label: number; body: { code: number; error?: string } }>;
      echoes: string[];
      freeBefore: number;
      freeAfter: number;
    };
    const byBadge = new Map(report.messages.map((m) => [m.badge, m]));
    for (const child of report.children) {
      const m = byBadge.get(child.badge);
      const what = `${child.mode} on ${child.thread}`;
      switch (child.mode) {
        case 'throw':
          expect(m, what).toMatchObject({ label: 2, body: { code: 1, error: 'Error: child crashed' } });
          break;
        case 'exit':
          expect(m, what).toMatchObject({ label: 1, body: { code: 3 } });
          break;
        case 'return':
        case 'survivor':
          expect(m, what).toMatchObject({ label: 1, body: { code: child.mode === 'return' ? 5 : 0 } });
          break;
        case 'escape':
          expect(m?.label, what).toBe(2);
          expect(m?.body.error, what).toMatch(/escaped from a timer/);
          break;
        case 'missing':
          expect(m?.label, what).toBe(2);
          expect(m?.body.error, what).toMatch(/no-such-program/);
          break;
        case 'hang':
          expect(m, what).toBeUndefined(); // killed: no exit message
          break;
      }
    }
    expect(report.echoes.sort()).toEqual(['still here on dedicated', 'still here on pool']);
    expect(report.freeAfter).toBe(report.freeBefore);
    expect(await system.check()).toEqual({ ok: true, violations: [] });
    const stats = await system.stats();
    expect(stats.loop.killed).toBe(2);
  });
});
