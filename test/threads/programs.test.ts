// Program paths given to start (issue 8): a relative path resolves against
// the calling task's own module, not the working directory, and a program
// that cannot be loaded faults its task with a message naming it, so its
// starter is told instead of waiting for ever.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { programUrl } from '../../src/workers/sys.ts';
import { fixture, start } from './helpers.ts';

it('relative paths resolve against the calling module; a missing module faults the child, naming it, on pooled and dedicated threads', async () => {
  expect(process.cwd()).not.toBe(fileURLToPath(new URL('.', fixture('relative-init.ts'))).replace(/\/$/, ''));
  const system = await start('relative-init.ts', { threads: 2 });
  const status = await system.exited;
  expect(status.fault).toBeUndefined();
  const { answers, exits } = status.value as { answers: string[]; exits: Record<number, { label: number; error?: string }> };
  expect(answers).toEqual(['child got hello', 'child got hello']);
  expect(exits[100]).toEqual({ label: 1 });
  expect(exits[110]).toEqual({ label: 1 });
  const missing = fixture('programs/no-such-child.ts').href;
  for (const at of [120, 130]) {
    expect(exits[at].label, `child ${at}`).toBe(2);
    expect(exits[at].error, `child ${at}`).toMatch(/^Error: cannot load the program /);
    expect(exits[at].error, `child ${at}`).toContain(missing);
    expect(exits[at].error, `child ${at}`).not.toContain('run-task');
  }
  expect(await system.check()).toEqual({ ok: true, violations: [] });
});

it('programUrl: URLs as given, absolute paths as file URLs, relative paths against the caller, never the working directory', () => {
  const base = 'file:///srv/app/tasks/init.ts';
  expect(programUrl('./child.ts', base)).toBe('file:///srv/app/tasks/child.ts');
  expect(programUrl('child.ts', base)).toBe('file:///srv/app/tasks/child.ts');
  expect(programUrl('../lib/x #1.ts', base)).toBe('file:///srv/app/lib/x%20%231.ts');
  expect(programUrl('/opt/y.mjs', base)).toBe('file:///opt/y.mjs');
  expect(programUrl('data:text/javascript,export default 1', base)).toBe('data:text/javascript,export default 1');
  expect(programUrl(new URL('file:///a/b.ts?tsx-namespace=1'), base)).toBe('file:///a/b.ts');
  expect(programUrl('', base)).toBe(''); // the kernel answers EINVAL
  expect(() => programUrl('./child.ts', 'data:text/javascript,x')).toThrow(/has no file to be relative to/);
});

it('a child that cannot be loaded and has no fault Endpoint is reported on the host\'s stderr, naming the program', async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, ['bin/caduceus.mjs', 'run', 'test/fixtures/relative-init.ts', '--threads', '1', '--', 'unheard'], { cwd: root, timeout: 60_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/caduceus: task 0x[0-9a-f]+ faulted with no fault Endpoint: Error: cannot load the program file:\/\/\S+\/test\/fixtures\/programs\/no-such-child\.ts: /);
});

it('a task whose program is not a file gets its Task cap checked first, then EINVAL saying why a relative path cannot be used', async () => {
  // Init as a data: URL module: no file for './child.ts' to be relative to.
  const init = `data:text/javascript,${encodeURIComponent(`
    const outcome = (p) => p.then(() => 'OK', (e) => e.message);
    export default { [Symbol.for('caduceus.task')]: async (sys, boot) => {
      const mem = boot.memory[0].cap;
      const badCap = await outcome(sys.start(900, './child.ts'));
      await sys.alloc(mem, 4, 100); // a Task
      await sys.alloc(mem, 2, 101, { size: 1 }); // its CSpace
      await sys.configure(100, { cspace: 101 });
      const relative = await outcome(sys.start(100, './child.ts'));
      const after = await sys.identify(100).then((i) => i.state, (e) => e.message);
      return { badCap, relative, after };
    } };
  `)}`;
  const { boot } = await import('../../src/index.ts');
  const system = await boot({ init, threads: 1, console: () => {} });
  try {
    const status = await system.exited;
    expect(status.fault).toBeUndefined();
    const value = status.value as { badCap: string; relative: string; after: string };
    expect(value.badCap).toMatch(/^EBADF/);
    expect(value.relative).toBe(`EINVAL: the relative program path './child.ts' has no file to be relative to (the calling task's program is ${init}); pass a URL or an absolute path`);
    expect(value.after).toBe('inactive'); // nothing started, and the task goes on calling
  } finally {
    await system.shutdown();
  }
});
