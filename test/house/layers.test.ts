// The layers of docs/architecture.md, read from the import graph: no layer
// imports one above it, and no source file grows past 400 lines. A change
// that breaks either fails here, not in a later review.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

/** The files a source file imports (static, re-exported and dynamic), as paths from the repo root; packages are left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|new URL\(\s*'(\.[^']+)'|(?:^|\n)\s*import\s*'([^']+)'/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(root, resolve(dirname(file), s)));
}

/** Each layer (a folder or file under src/, most specific first) and what it may import besides itself. */
const LAYERS: Array<{ layer: string; may: string[] }> = [
  { layer: 'src/abi.ts', may: [] },
  { layer: 'src/kernel/thread/', may: ['src/abi.ts', 'src/kernel/', 'src/ipc/'] },
  { layer: 'src/kernel/', may: ['src/abi.ts'] },
  { layer: 'src/ipc/', may: ['src/abi.ts'] },
  { layer: 'src/workers/', may: ['src/abi.ts', 'src/ipc/'] },
  { layer: 'src/stress/', may: ['src/task.ts'] },
  // The inspector page runs in a browser: the shared views and wire types, and types of the kernel's.
  { layer: 'src/inspect/page/', may: ['src/abi.ts', 'src/inspect/views.ts', 'src/inspect/protocol.ts', 'src/kernel/'] },
  // The inspector's server reads the kernel's samples and snapshots, and knows nothing of the host that
  // owns it; run from the sources, it has the page bundled (bundle.mjs).
  { layer: 'src/inspect/', may: ['src/abi.ts', 'src/kernel/', 'src/inspect/page/bundle.mjs'] },
];

function layerOf(path: string): string | undefined {
  return LAYERS.find(({ layer }) => path === layer || path.startsWith(layer))?.layer;
}

describe('the house', () => {
  const files = filesUnder(src);

  it('has layers that never import a layer above them', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = relative(root, file);
      const layer = layerOf(from);
      if (layer === undefined) continue; // the public faces may import every layer
      const allowed = LAYERS.find((l) => l.layer === layer)!.may;
      for (const target of importsOf(file)) {
        const own = layerOf(target) === layer;
        if (!own && !allowed.some((a) => target === a || target.startsWith(a))) wrong.push(`${from} imports ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reads every import of the files it checks', () => {
    // The check above is only as good as the parsing: these imports exist.
    expect(importsOf(join(src, 'kernel/kernel.ts'))).toContain('src/abi.ts');
    expect(importsOf(join(src, 'kernel/thread/loop.ts'))).toContain('src/ipc/wire.ts');
    expect(importsOf(join(src, 'workers/sys.ts'))).toContain('src/ipc/regs.ts');
    expect(importsOf(join(src, 'inspect/page/graph.ts'))).toContain('src/inspect/views.ts');
    expect(importsOf(join(src, 'inspect/assets.ts'))).toContain('src/inspect/page/bundle.mjs');
  });

  it('has no source file over 400 lines', () => {
    const long = files
      .map((file) => ({ file: relative(root, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > 400);
    expect(long).toEqual([]);
  });
});
