// `caduceus inspect [--format text|map|dot|mermaid] <snapshot.json | init-module> [-- argv...]`:
// views of a snapshot written by `caduceus run --snapshot FILE`, or of an
// init module run to its end (the snapshot is taken as init exits).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { boot } from '../host/boot.ts';
import type { Snapshot } from '../kernel/snapshot.ts';
import { UsageError } from './args.ts';
import { renderDot, renderMemoryMap, renderMermaid, renderText } from './render.ts';

export const INSPECT_USAGE = `usage: caduceus inspect [--format text|map|dot|mermaid] <snapshot.json | init-module> [-- argv...]

  text      objects, capabilities and bindings (capDL style), then the memory map (default)
  map       the memory map of every area
  dot       the capability graph for Graphviz
  mermaid   the capability graph for Mermaid`;

const FORMATS = ['text', 'map', 'dot', 'mermaid'] as const;
type Format = (typeof FORMATS)[number];

/** The init module inspected did not run to its end: exit 1, not a usage error. */
class InitFailed extends Error {}

function isSnapshot(value: unknown): value is Snapshot {
  const s = value as Partial<Snapshot> | null;
  return typeof s === 'object' && s !== null && Array.isArray(s.objects) && Array.isArray(s.caps) && Array.isArray(s.areas) && Array.isArray(s.tasks);
}

async function snapshotOf(source: string, argv: string[]): Promise<Snapshot> {
  if (source.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(source, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read a snapshot from ${source}: ${(error as Error).message}`);
    }
    if (!isSnapshot(parsed)) throw new UsageError(`${source} is not a snapshot written by caduceus run --snapshot`);
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

export async function inspectCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { format: { type: 'string', default: 'text' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(INSPECT_USAGE);
    return 0;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format takes one of ${FORMATS.join(', ')}, got '${values.format}'`);
  const [source, ...argv] = positionals;
  if (!source) throw new UsageError('inspect needs a snapshot file or an init module');
  let snapshot: Snapshot;
  try {
    snapshot = await snapshotOf(source, argv);
  } catch (error) {
    if (!(error instanceof InitFailed)) throw error;
    process.stderr.write(`caduceus inspect: ${error.message}\n`);
    return 1;
  }
  process.stdout.write(render(snapshot, format));
  return 0;
}
