// Bundles the inspector's page with esbuild: page/main.ts with cytoscape,
// its dagre layout and uPlot into one script, their styles into one sheet,
// beside index.html. `npm run build` writes them to dist/inspector/
// (`node src/inspect/page/bundle.mjs dist/inspector`); run from the sources,
// the server bundles them in memory instead (src/inspect/assets.ts), so the
// page always matches its code. Nothing is fetched from elsewhere: the
// machines it runs on may have no internet.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The page's files by name: index.html, app.js, app.css. */
export async function bundlePage() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { app: join(here, 'main.ts') },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'eof',
    outdir: join(here, 'out'),
    write: false,
    logLevel: 'silent',
  });
  const files = new Map([['index.html', readFileSync(join(here, 'index.html'))]]);
  for (const file of result.outputFiles) files.set(basename(file.path), Buffer.from(file.contents));
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node src/inspect/page/bundle.mjs <folder>\n');
    process.exit(2);
  }
  const files = await bundlePage();
  mkdirSync(out, { recursive: true });
  for (const [name, body] of files) writeFileSync(join(out, name), body);
  // On stderr: `npm pack --json` runs this (prepare) and its stdout must stay JSON.
  process.stderr.write(`inspector page: ${[...files].map(([name, body]) => `${name} (${Math.round(body.length / 1024)} KiB)`).join(', ')} in ${out}\n`);
}
