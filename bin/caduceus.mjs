#!/usr/bin/env node
// The caduceus command. An installed package has no sources (package.json
// `files` leaves them out) and runs the compiled JavaScript of dist/. In a
// clone the TypeScript sources run, through tsx, so a stale build never
// shadows them; CADUCEUS_DIST=1 runs the build instead (npm run build).
// Run from source, every thread the system starts gets the source export
// condition (see src/workers/threads.ts), so task programs that import
// `caduceus/task` get the sources too, never dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
const fromSource = existsSync(source) && process.env.CADUCEUS_DIST !== '1';

if (!fromSource && !existsSync(compiled)) {
  process.stderr.write(`caduceus: ${compiled.pathname} is missing; build it with 'npm run build'\n`);
  process.exit(1);
}
if (fromSource) (await import('tsx/esm/api')).register();
const { main } = await import((fromSource ? source : compiled).href);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`caduceus: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
