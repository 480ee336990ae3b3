// The `caduceus` command.

import { BootError } from '../host/options.ts';
import { UsageError } from './args.ts';
import { RUN_USAGE, runCommand } from './run.ts';

const USAGE = `usage: caduceus <command> [options]

commands:
  run <init-module>   boot a system and run it until init exits
  bench [--json]      the benchmark suite, with raw baselines measured in the same run
  inspect <source>    objects, capabilities, memory map and graphs of a snapshot
  stress              the capability-handoff stress workload, with injected faults

${RUN_USAGE}`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  run: async () => runCommand,
  bench: async () => (await import('./bench.ts')).benchCommand,
  inspect: async () => (await import('./inspect.ts')).inspectCommand,
  stress: async () => (await import('./stress.ts')).stressCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`caduceus: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof BootError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`caduceus ${name}: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
