// The `caduceus` command.

import { existsSync, readFileSync } from 'node:fs';
import { BootError } from '../host/options.ts';
import { UsageError } from './args.ts';
import { runCommand } from './run.ts';

const USAGE = `usage: caduceus <command> [options]     (caduceus <command> --help for its options)

commands:
  run <init-module> [-- argv...]   boot a system and run it until init exits
      --memory SIZE --threads N --timeout D --trace FILE --snapshot FILE --inspect [HOST:PORT]
  inspect <snapshot.json | init-module> [-- argv...]
                                   objects, capabilities, memory map and graphs of a snapshot
      --format text|map|dot|mermaid --serve [HOST:PORT] (the inspector page, also for a trace)
  stress                           the capability-handoff stress workload, with injected faults
      --tasks N --seconds S --seed X --faults kill,throw,destroy-endpoint --inspect [HOST:PORT]
  explore <init-module> [-- argv...]
                                   controlled runs with derived seeds until one fails; shrinks it
      --runs N --seed S --strategy random|pct --depth D --check-every K --keep-going --out FILE
  replay <schedule.json>           replays a failing schedule that explore wrote, exactly
      --trace FILE --inspect [HOST:PORT] (paused, stepped from the page)
  bench [ids...]                   the benchmark suite, with raw baselines measured in the same run
      --quick --json --inspect

  caduceus --version               the version of this package
  caduceus --help                  this text`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  run: async () => runCommand,
  bench: async () => (await import('./bench.ts')).benchCommand,
  inspect: async () => (await import('./inspect.ts')).inspectCommand,
  stress: async () => (await import('./stress.ts')).stressCommand,
  explore: async () => (await import('./explore.ts')).exploreCommand,
  replay: async () => (await import('./explore.ts')).replayCommand,
};

/** This package's version, from the package.json above this module. */
export function version(): string {
  for (let dir = new URL('.', import.meta.url.split('?')[0]); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'caduceus' && manifest.version) return manifest.version;
  }
  return 'unknown';
}

/**
 * A reader that goes away (`caduceus run ... | head -2`) ends the command
 * quietly, with the status of a Unix tool stopped by SIGPIPE.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(128 + 13);
    throw error;
  });
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && commands[topic]) return (await commands[topic]())(['--help']);
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(version());
    return 0;
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
