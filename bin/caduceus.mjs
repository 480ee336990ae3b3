#!/usr/bin/env node
// The caduceus command: compiled JavaScript from dist/ when built (npm run
// build), otherwise the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
const { main } = existsSync(compiled)
  ? await import(compiled.href)
  : await (await import('tsx/esm/api')).tsImport('../src/cli/main.ts', import.meta.url);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`caduceus: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
