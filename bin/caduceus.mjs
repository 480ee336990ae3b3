#!/usr/bin/env node
// The caduceus command. It runs the TypeScript sources through tsx, or the
// compiled JavaScript of dist/ (npm run build) when CADUCEUS_DIST=1 or when
// there are no sources (an installed build). Sources win otherwise, so a
// stale build never shadows them.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
const useDist = existsSync(compiled) && (process.env.CADUCEUS_DIST === '1' || !existsSync(source));
const { main } = useDist
  ? await import(compiled.href)
  : await (await import('tsx/esm/api')).tsImport(source.href, import.meta.url);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`caduceus: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
