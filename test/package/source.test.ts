// Inside this repository the package's own names (`caduceus`, `caduceus/task`)
// resolve to the TypeScript sources everywhere a system started from source
// runs code: in vitest, in the threads of boot(), through the command, and in
// task programs written as .ts or as plain .mjs. One copy of the code, so a
// KernelError thrown by the runtime is the KernelError a program imported.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as byName from 'caduceus/task';
import * as bySource from '../../src/task.ts';
import { fixture, start } from '../threads/helpers.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const sourceTask = new URL('../../src/task.ts', import.meta.url).href;

const fromSource = { resolved: sourceTask, sameKernelError: true };

describe('the package name inside the repository', () => {
  it('is the sources in vitest', () => {
    expect(byName.KernelError).toBe(bySource.KernelError);
    expect(byName.task).toBe(bySource.task);
  });

  it('is the sources in the threads of a system booted from source, for .ts and .mjs programs', async () => {
    const system = await start('whose-code.ts');
    const status = await system.exited;
    expect(status.fault).toBeUndefined();
    expect(status.value).toEqual({ init: fromSource, child: fromSource });
  });

  it('is the sources when the command runs from the clone', async () => {
    const { stdout } = await run(process.execPath, ['bin/caduceus.mjs', 'run', fixture('whose-code.ts').pathname, '--threads', '1'], { cwd: root, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ init: fromSource, child: fromSource });
  });
});
