// `caduceus run <init-module> [--memory 64MiB] [--threads N] [-- argv...]`:
// boots a system, prints its Console output, and exits with init's code.

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { boot } from '../host/boot.ts';
import { parseCount, parseSize, UsageError } from './args.ts';

export const RUN_USAGE = `usage: caduceus run <init-module> [--memory 64MiB] [--threads N] [--trace FILE] [--snapshot FILE] [-- argv...]

  <init-module>   the init task's module (.ts or .js)
  --memory SIZE   physical memory, whole pages, 1MiB to 4GiB (default 64MiB)
  --threads N     pooled task threads (default: available cores)
  --trace FILE    write a Chrome/Perfetto trace of the run (open it in ui.perfetto.dev)
  --snapshot FILE write the kernel's state as init exits (see caduceus inspect)
  -- argv...      passed to init in BootInfo.argv`;

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      memory: { type: 'string' },
      threads: { type: 'string' },
      snapshot: { type: 'string' },
      trace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(RUN_USAGE);
    return 0;
  }
  const [init, ...argv] = positionals;
  if (!init) throw new UsageError('run needs the init module to boot');
  const system = await boot({
    init,
    argv,
    memory: values.memory === undefined ? undefined : parseSize(values.memory, '--memory'),
    threads: values.threads === undefined ? undefined : parseCount(values.threads, '--threads'),
    snapshotAtExit: values.snapshot !== undefined,
    trace: values.trace,
  });
  const stop = () => void system.shutdown().then(() => process.exit(130));
  process.once('SIGINT', stop);
  try {
    const status = await system.exited;
    if (values.snapshot !== undefined && status.snapshot) writeFileSync(values.snapshot, `${JSON.stringify(status.snapshot, null, 1)}\n`);
    if (status.fault) {
      process.stderr.write(`init failed: ${status.fault.name}: ${status.fault.message}\n`);
      if (status.fault.stack) process.stderr.write(`${status.fault.stack}\n`);
    }
    return Number.isInteger(status.code) && status.code >= 0 && status.code <= 255 ? status.code : 1;
  } finally {
    process.removeListener('SIGINT', stop);
    await system.shutdown();
  }
}
