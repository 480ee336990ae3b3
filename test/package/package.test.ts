// The package as a user gets it: `npm pack` (which builds dist/ through the
// prepare script), the tarball installed into a fresh project, then used the
// ways the README says: a plain .mjs host with .mjs task programs, a .ts init
// through `npx caduceus run`, and a TypeScript consumer's type check under
// `tsc --init` defaults with strict and the newest @types/node.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const consumer = fileURLToPath(new URL('./consumer/', import.meta.url));
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const NEWEST_TYPES = (JSON.parse(readFileSync(join(root, 'node_modules', '@types', 'node-newest', 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// The project is a user's: no CADUCEUS_DIST, no Node options of ours.
const env = { ...process.env };
delete env.CADUCEUS_DIST;
delete env.NODE_OPTIONS;

function run(command: string, args: string[], cwd: string, timeout = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function succeed(command: string, args: string[], cwd: string, timeout?: number): Promise<string> {
  const r = await run(command, args, cwd, timeout);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

let work = '';
let project = '';
let packed: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'caduceus-package-'));
  const [info] = JSON.parse(await succeed('npm', ['pack', '--json', '--pack-destination', work], root, 120_000)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  packed = info.files.map((f) => f.path);
  project = join(await realpath(work), 'project');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`);
  await cp(consumer, project, { recursive: true });
  const tarball = join(work, info.filename);
  await succeed('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project, 120_000);
  // The newest @types/node, pinned in our lock file (devDependency
  // @types/node-newest) so that every run checks the same types; asked of
  // the registry, since a cached index may not list that version yet.
  await succeed('npm', ['install', '--no-audit', '--no-fund', '--prefer-online', `@types/node@${NEWEST_TYPES}`], project, 120_000);
}, 240_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds compiled JavaScript, declarations and the thread bootstrap, not sources or tests', () => {
    for (const file of ['package.json', 'README.md', 'bin/caduceus.mjs', 'dist/src/workers/bootstrap.mjs', 'dist/src/cli/main.js', 'dist/inspector/index.html', 'dist/inspector/app.js', 'dist/inspector/app.css']) {
      expect(packed).toContain(file);
    }
    for (const entry of ['index', 'task', 'core']) {
      expect(packed).toContain(`dist/src/${entry}.js`);
      expect(packed).toContain(`dist/src/${entry}.d.ts`);
    }
    expect(packed.filter((f) => /^(src|test|examples|\.ci)\//.test(f))).toEqual([]);
    expect(packed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('names only files it holds in exports and bin', async () => {
    const installed = join(project, 'node_modules', 'caduceus');
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
      bin: Record<string, string>;
    };
    const targets = Object.values(manifest.exports).flatMap((target) =>
      typeof target === 'string' ? [target] : Object.entries(target).filter(([condition]) => condition !== 'caduceus-source').map(([, path]) => path),
    );
    for (const path of [...targets, ...Object.values(manifest.bin)]) expect(existsSync(join(installed, path)), path).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
  });
});

describe('the installed package', () => {
  it('boots from a plain .mjs host: an .mjs init hands an .mjs child a capability and exits with its answer', async () => {
    const r = await run(process.execPath, ['host.mjs'], project);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      "core: init's Memory has 3836 pages",
      'init: the child answered 42: it got a cap of type Endpoint in slot 2',
      'host: init exited with 42',
      '',
    ]);
    expect(r.code).toBe(42);
  });

  it("serves the inspector's page from the bundle it was built with", async () => {
    const r = await run(process.execPath, ['inspect.mjs'], project);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('page: true; script: 200 text/javascript; charset=utf-8; mode: live\n');
  });

  it('runs a .ts init and a .ts child through npx caduceus run, on the compiled code', async () => {
    const r = await run('npx', ['--no', 'caduceus', 'run', 'init.ts', '--', 'three', 'small', 'words'], project);
    expect(r.stderr).toBe('');
    const compiledTask = pathToFileURL(join(project, 'node_modules', 'caduceus', 'dist', 'src', 'task.js')).href;
    expect(r.stdout.split('\n')).toEqual([
      `caduceus/task is ${compiledTask}`,
      'one KernelError: true',
      'child.ts counted 3 words: three small words',
      '',
    ]);
    expect(r.code).toBe(3);
  });

  it('type-checks under tsc --init defaults with strict, the newest @types/node and the library checked too', async () => {
    const types = JSON.parse(await readFile(join(project, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string };
    expect(types.version).toBe(NEWEST_TYPES);
    await succeed(tsc, ['--init'], project);
    const checks = [
      ['--types', 'node', '--strict', '--skipLibCheck', 'false'],
      ['--types', 'node', '--strict', '--skipLibCheck', 'false', '--module', 'preserve', '--moduleResolution', 'bundler'],
    ];
    for (const options of checks) {
      const r = await run(tsc, ['-p', '.', '--noEmit', ...options], project);
      expect(`${r.stdout}${r.stderr}`, options.join(' ')).toBe('');
      expect(r.code).toBe(0);
    }
  });
});
