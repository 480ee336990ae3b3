// `caduceus inspect [--format text|map|dot|mermaid] <snapshot.json | init-module> [-- argv...]`:
// views of a snapshot written by `caduceus run --snapshot FILE`, or of an
// init module run to its end (the snapshot is taken as init exits).
// `--serve [HOST:PORT]` serves the inspector page for it instead, or for a
// trace written by `caduceus run --trace FILE`, until Ctrl-C.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { boot } from '../host/boot.ts';
import type { Snapshot } from '../kernel/snapshot.ts';
import { serveSaved, snapshotApp, traceApp } from '../inspect/saved.ts';
import { InspectError } from '../inspect/server.ts';
import { isTrace, SavedTrace } from '../inspect/trace.ts';
import { inspectorLines, takeAddressOption, UsageError } from './args.ts';
import { renderDot, renderMemoryMap, renderMermaid, renderText } from './render.ts';

export const INSPECT_USAGE = `usage: caduceus inspect [--format text|map|dot|mermaid] <snapshot.json | init-module> [-- argv...]
       caduceus inspect --serve [HOST:PORT] <snapshot.json | trace.json | init-module> [-- argv...]

  text      objects, capabilities and bindings (capDL style), then the memory map (default)
  map       the memory map of every area
  dot       the capability graph for Graphviz
  mermaid   the capability graph for Mermaid
  --serve   serve the inspector page for it (default 127.0.0.1 and a free port, printed)
            until Ctrl-C; a trace (caduceus run --trace) shows its counters over time
            and what each task was doing at a time you pick`;

const FORMATS = ['text', 'map', 'dot', 'mermaid'] as const;
type Format = (typeof FORMATS)[number];

/** The init module inspected did not run to its end: exit 1, not a usage error. */
class InitFailed extends Error {}

function isSnapshot(value: unknown): value is Snapshot {
  const s = value as Partial<Snapshot> | null;
  return typeof s === 'object' && s !== null && Array.isArray(s.objects) && Array.isArray(s.caps) && Array.isArray(s.areas) && Array.isArray(s.tasks);
}

async function snapshotOf(source: string, argv: string[], serving = false): Promise<Snapshot | SavedTrace> {
  if (source.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(source, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read a snapshot from ${source}: ${(error as Error).message}`);
    }
    if (isTrace(parsed)) {
      if (!serving) throw new UsageError(`${source} is a trace: serve it with caduceus inspect --serve ${source}, or open it in ui.perfetto.dev`);
      return new SavedTrace(parsed);
    }
    if ((parsed as { caduceus?: unknown } | null)?.caduceus === 'schedule') throw new UsageError(`${source} is a schedule: step through it with caduceus replay ${source} --inspect`);
    if (!isSnapshot(parsed)) throw new UsageError(`${source} is not a snapshot written by caduceus run --snapshot${serving ? ', nor a trace written by caduceus run --trace' : ''}`);
    return parsed;
  }
  const system = await boot({ init: source, argv, snapshotAtExit: true, console: () => {} });
  try {
    const status = await system.exited;
    // A drawing of a system whose init failed (at import, say) would show a
    // state that never ran: report the failure instead.
    if (status.fault) throw new InitFailed(`${source}: init failed: ${status.fault.name}: ${status.fault.message}`);
    if (!status.snapshot) throw new InitFailed(`${source}: init ended without a snapshot`);
    return status.snapshot;
  } finally {
    await system.shutdown();
  }
}

export function render(snapshot: Snapshot, format: Format): string {
  switch (format) {
    case 'text':
      return `${renderText(snapshot)}\n${renderMemoryMap(snapshot)}`;
    case 'map':
      return renderMemoryMap(snapshot);
    case 'dot':
      return renderDot(snapshot);
    case 'mermaid':
      return renderMermaid(snapshot);
  }
}

export async function inspectCommand(argsGiven: string[]): Promise<number> {
  const { rest: args, address } = takeAddressOption(argsGiven, '--serve');
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(INSPECT_USAGE);
    return 0;
  }
  const format = (values.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format takes one of ${FORMATS.join(', ')}, got '${values.format}'`);
  if (address && values.format !== undefined) throw new UsageError('--serve shows the page, --format prints a view: give one');
  const [source, ...argv] = positionals;
  if (!source) throw new UsageError(`inspect needs a snapshot file${address ? ', a trace file' : ''} or an init module`);
  let saved: Snapshot | SavedTrace;
  try {
    saved = await snapshotOf(source, argv, address !== null);
  } catch (error) {
    if (!(error instanceof InitFailed)) throw error;
    process.stderr.write(`caduceus inspect: ${error.message}\n`);
    return 1;
  }
  if (address) return serve(saved, source, address);
  process.stdout.write(render(saved as Snapshot, format));
  return 0;
}

/** Serves the page for a snapshot or a trace until Ctrl-C. */
async function serve(saved: Snapshot | SavedTrace, title: string, address: { host: string; port: number }): Promise<number> {
  const app = saved instanceof SavedTrace ? traceApp(saved, title) : snapshotApp(saved, title);
  let server;
  try {
    server = await serveSaved(app, address.host, address.port);
  } catch (error) {
    // An address it cannot listen on is a bad argument, as it is to run --inspect.
    if (error instanceof InspectError) throw new UsageError(error.message);
    throw error;
  }
  process.stderr.write(`${inspectorLines('inspect', server.url, address.host)}caduceus inspect: serving until Ctrl-C\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await server.close();
  return 0;
}
