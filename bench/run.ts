// `npx tsx bench/run.ts [ids...] [--quick] [--json]`: the benchmark suite
// without the command (same as `caduceus bench`).

import { runBenchmarks } from './suite.ts';

runBenchmarks(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
