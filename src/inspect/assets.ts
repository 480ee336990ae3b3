// The inspector page's files. Compiled, the code serves the bundle that
// `npm run build` wrote to dist/inspector/. From the sources it bundles
// src/inspect/page/ in memory once per process (esbuild), so the page
// always matches the code beside it; without esbuild it falls back to a
// built copy. Missing both, or a page that does not build, is a readable
// error.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type PageFiles = Map<string, Buffer>;

/** The files the page is made of. */
export const PAGE_FILES = ['index.html', 'app.js', 'app.css'];

const fromSource = import.meta.url.split('?')[0].endsWith('.ts');
/** Where `npm run build` puts the bundle: dist/inspector/, from dist/src/inspect/ or from src/inspect/. */
const built = new URL(fromSource ? '../../dist/inspector/' : '../../inspector/', import.meta.url);

export class PageMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PageMissing';
  }
}

function readBuilt(): PageFiles | null {
  const folder = fileURLToPath(built);
  if (!PAGE_FILES.every((name) => existsSync(`${folder}${name}`))) return null;
  return new Map(PAGE_FILES.map((name) => [name, readFileSync(`${folder}${name}`)]));
}

let loading: Promise<PageFiles> | undefined;

/** The page's files, loaded (or bundled) once. */
export function pageFiles(): Promise<PageFiles> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function load(): Promise<PageFiles> {
  if (!fromSource) {
    const files = readBuilt();
    if (!files) throw new PageMissing(`the inspector's page is missing from ${fileURLToPath(built)}: reinstall caduceus (in a clone: npm run build)`);
    return files;
  }
  let bundler: typeof import('./page/bundle.mjs');
  try {
    bundler = await import('./page/bundle.mjs');
    await import('esbuild');
  } catch (error) {
    // No bundler (esbuild comes with tsx, so this is rare): a built copy will do.
    const files = readBuilt();
    if (files) return files;
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new PageMissing(`the inspector's page cannot be bundled from src/inspect/page/ (${why}), and ${fileURLToPath(built)} holds no built copy: run npm install, then npm run build`);
  }
  try {
    return await bundler.bundlePage();
  } catch (error) {
    // The page's sources do not build: say so, rather than serve an older page.
    throw new PageMissing(`the inspector's page does not build: ${error instanceof Error ? error.message : String(error)}`);
  }
}
