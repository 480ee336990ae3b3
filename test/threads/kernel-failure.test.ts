// When the kernel thread fails, the host hears it: exited reports it, every
// later host call rejects with the reason instead of hanging, and shutdown
// finishes with no thread left behind.

import { describe, expect, it } from 'vitest';
import { bootOn } from '../../src/host/boot.ts';
import { fixture } from './helpers.ts';

describe('a kernel thread that fails', () => {
  it('answers every host call afterwards and shuts down', async () => {
    const lines: string[] = [];
    const system = await bootOn(fixture('failing-kernel.ts').href, { init: fixture('idle-init.ts'), threads: 1, console: (l) => lines.push(l) });
    try {
      await expect.poll(() => lines, { timeout: 20_000 }).toEqual(['idle']);
      // init prints, then blocks in recv: the kernel answers while it waits.
      await expect.poll(async () => (await system.stats()).tasks.blocked, { timeout: 20_000 }).toBe(1);
      // The thread fails just after it answers: on a busy machine the failure
      // can reach the host before the answer does, and the call then rejects
      // with it. Either way, everything after is the failure's.
      await system.check().catch((error: Error) => expect(error.message).toMatch(/kernel bug: slot 7 missing/));
      const status = await system.exited;
      expect(status).toMatchObject({ code: 1, fault: { message: 'the kernel thread failed: kernel bug: slot 7 missing' } });
      await expect(system.stats()).rejects.toThrow(/kernel bug: slot 7 missing/);
      await expect(system.snapshot()).rejects.toThrow(/kernel bug: slot 7 missing/);
      await expect(system.check()).rejects.toThrow(/kernel bug: slot 7 missing/);
    } finally {
      await system.shutdown();
    }
    await system.shutdown(); // idempotent
  });

  it('that wedges: host calls reject past their limit, saying so, and shutdown still ends it', async () => {
    const lines: string[] = [];
    const system = await bootOn(
      fixture('wedged-kernel.ts').href,
      { init: fixture('idle-init.ts'), threads: 1, console: (l) => lines.push(l) },
      { answerMs: 5_000, stopMs: 500 }, // 5 s: boot must still be answered on a loaded machine
    );
    await expect.poll(() => lines, { timeout: 20_000 }).toEqual(['idle']);
    // The kernel thread takes host calls in order: the check wedges it before stats is read.
    await Promise.all([
      expect(system.check()).rejects.toThrow('the kernel thread did not answer check() within 5 s: it is wedged (a kernel bug)'),
      expect(system.stats()).rejects.toThrow(/did not answer stats\(\) within 5 s/),
    ]);
    await system.shutdown();
    expect((await system.exited).fault?.name).toBe('Shutdown');
  });

  it('after a normal shutdown, host calls reject instead of hanging', async () => {
    const system = await bootOn(fixture('failing-kernel.ts').href, { init: fixture('idle-init.ts'), threads: 1, console: () => {} });
    await system.shutdown();
    await expect(system.stats()).rejects.toThrow(/the system has been shut down/);
    expect((await system.exited).fault?.name).toBe('Shutdown');
  });
});
