// What the random sequences actually exercised, read off the reference model
// around each request: errno per operation, first-fit placements, areas made
// fresh again, revokes (a Memory dying with objects still in it). The model
// test asserts minimum counts, so a generator change that stops reaching these
// states fails loudly instead of silently testing less.

import { ObjectType as T, Op, errnoName, opName } from '../../src/abi.ts';
import type { RefKernel } from './reference.ts';

export class Coverage {
  readonly results = new Map<string, number>();
  sequences = 0;
  steps = 0;
  /** Successful ALLOCs from an area that had seen a free (first fit). */
  firstFit = 0;
  /** Areas that went from fragmented back to fresh. */
  freshAgain = 0;
  /** Memory objects destroyed with objects still allocated from them. */
  revokes = 0;
  /** Objects destroyed. */
  deaths = 0;
  /** Sequences that ended because init's Task was destroyed. */
  initDeaths = 0;
  /** Sequences whose final cleanup left nothing but boot objects (docs/semantics.md §13.5 checked). */
  clean = 0;
  /** Sequences whose final cleanup left unreachable cycles alive. */
  cycles = 0;

  private fragmentedBefore = new Set<number>();
  private allocFromFragmented = false;

  count(key: string): number {
    return this.results.get(key) ?? 0;
  }

  /** Call before a request runs on the model. */
  before(ref: RefKernel, req: unknown): void {
    this.fragmentedBefore = fragmentedAreas(ref);
    this.allocFromFragmented = false;
    if (typeof req === 'object' && req !== null && (req as { op?: unknown }).op === Op.Alloc) {
      const cap = (req as { cap?: unknown }).cap;
      const mem = typeof cap === 'number' ? ref.capAt(cap) : undefined;
      this.allocFromFragmented = mem?.type === T.Memory && this.fragmentedBefore.has(mem.obj);
    }
  }

  /** Call after the request ran on the model, with the model's errno. */
  after(ref: RefKernel, req: unknown, errno: number): void {
    const op = typeof req === 'object' && req !== null ? (req as { op?: unknown }).op : undefined;
    const key = `${typeof op === 'number' ? opName(op) : 'other'} ${errno === 0 ? 'ok' : (errnoName(errno) ?? errno)}`;
    this.results.set(key, this.count(key) + 1);
    if (errno === 0 && this.allocFromFragmented) this.firstFit++;
    const now = fragmentedAreas(ref);
    for (const a of this.fragmentedBefore) if (!now.has(a) && ref.objects.has(a)) this.freshAgain++;
    this.deaths += ref.lastDeaths.length;
    const revoked = (o: { type: number; start: number }) => o.type === T.Memory && ref.lastDeaths.some((c) => c.parent === o.start);
    this.revokes += ref.lastDeaths.filter(revoked).length;
    if (!ref.initAlive && ref.lastDeaths.some((o) => o.start === ref.initTask)) this.initDeaths++;
  }

  report(): string {
    const lines = [...this.results].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `  ${k}: ${n}`);
    return [
      `${this.sequences} sequences, ${this.steps} commands; first fit ${this.firstFit}, fresh again ${this.freshAgain}, ` +
        `revokes ${this.revokes}, deaths ${this.deaths}, init destroyed ${this.initDeaths}; ` +
        `cleanup: ${this.clean} clean, ${this.cycles} with cycles left`,
      ...lines,
    ].join('\n');
  }
}

function fragmentedAreas(ref: RefKernel): Set<number> {
  const out = new Set<number>();
  for (const o of ref.objects.values()) if (o.area?.fragmented) out.add(o.start);
  return out;
}
