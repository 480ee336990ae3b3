// The host keeps nothing of an answer once its caller has let go of it. A
// stress run asks for stats() four times a second for as long as it runs;
// when each ask was raced against one promise of the kernel thread's loss,
// every answer stayed reachable from that promise until the system ended,
// and a 1,000-task run's host heap grew by about 20 MiB a minute.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { start } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('lets every answer of stats(), check() and snapshot() be collected once its caller drops it', async () => {
  const lines: string[] = [];
  const system = await start('idle-init.ts', { threads: 1, console: (line) => lines.push(line) });
  while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const answers: Array<WeakRef<object>> = [];
  for (let i = 0; i < 20; i++) {
    answers.push(new WeakRef(await system.stats()), new WeakRef(await system.check()), new WeakRef(await system.snapshot()));
  }
  // Let the calls' own promise jobs finish, then collect.
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
  expect(answers.filter((a) => a.deref() !== undefined)).toHaveLength(0);
  // And the system goes on answering.
  expect((await system.check()).ok).toBe(true);
});
