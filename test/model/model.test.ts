// Model-based test: random command sequences (commands.ts) run on the real
// core and on the reference model (reference.ts) side by side. After every
// command the results must agree exactly, every capability of init's working
// range must identify the same (type, rights, badge, phys, pages, refs,
// radix), and every Memory cap must report the same free pages (harness.ts).
// Each sequence ends with init destroying everything but its boot caps.
//
// kernel.check() costs 5-7 ms whatever the state, so it runs after every
// command in one sequence of 64 (chosen by fast-check, so failures replay),
// after a command that destroyed init, and at the end of every sequence.
//
// Environment: CADUCEUS_MODEL_RUNS = sequences (default 1000; `npm run
// model` makes the full 10,000 and prints the seed);
// CADUCEUS_MODEL_CHECK=all runs kernel.check() after every command of every
// sequence; CADUCEUS_MODEL_STATS=1 prints what the sequences exercised;
// CADUCEUS_MODEL_SEED, CADUCEUS_MODEL_PATH and CADUCEUS_MODEL_REPLAY (the
// replayPath of the counterexample) replay a reported failure.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Op, bootKernel, memoryOverheadPages } from '../../src/kernel/index.ts';
import { commandArb } from './commands.ts';
import { coverage, finish, verify, type Model, type Real } from './harness.ts';
import { RefKernel } from './reference.ts';

const RUNS = Number(process.env.CADUCEUS_MODEL_RUNS ?? 1000);
const MAX_COMMANDS = 40;
const CHECK_ALL = process.env.CADUCEUS_MODEL_CHECK === 'all';
/** Replays a failure fast-check reported (with CADUCEUS_MODEL_REPLAY for the commands). */
const SEED = process.env.CADUCEUS_MODEL_SEED === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(process.env.CADUCEUS_MODEL_SEED);
const replay = process.env.CADUCEUS_MODEL_SEED ? { seed: SEED, path: process.env.CADUCEUS_MODEL_PATH, endOnFailure: true } : { seed: SEED };

/** Physical memory of 260..700 pages; the default single region or up to three small ones. */
const bootArb = fc.integer({ min: 260, max: 700 }).chain((pages) => {
  const left = pages - memoryOverheadPages(pages) - 256 - 2;
  const fit = (sizes: number[]): number[] => {
    const out: number[] = [];
    let rest = left;
    for (const s of sizes) if (rest > 0) rest -= out[out.push(Math.min(s, rest)) - 1];
    return out;
  };
  const regions = fc.array(fc.integer({ min: 1, max: Math.max(1, left) }), { minLength: 1, maxLength: 3 }).map(fit);
  return fc.record({ pages: fc.constant(pages), regions: fc.option(regions, { nil: undefined }) });
});

const deepArb = fc.integer({ min: 0, max: 63 }).map((x) => x === 0);

/**
 * Half the sequences boot on memory an earlier system left dirty (every
 * byte the same non-zero value), as a Machine's next system does: the core
 * must zero all it uses, and so agree with the model all the same.
 */
const leftArb = fc.option(fc.integer({ min: 1, max: 255 }), { nil: undefined });

function memoryLeft(pages: number, byte: number | undefined): SharedArrayBuffer | undefined {
  if (byte === undefined) return undefined;
  const buffer = new SharedArrayBuffer(pages * 4096);
  new Uint8Array(buffer).fill(byte);
  return buffer;
}

afterAll(() => {
  if (process.env.CADUCEUS_MODEL_STATS) console.info(coverage.report());
  if (process.env.CADUCEUS_MODEL_RUNS) console.info(`model: ${coverage.sequences} sequences; seed ${SEED}`);
});

describe('core vs reference model', () => {
  it(`agrees on ${RUNS} random command sequences`, { timeout: 60_000 + RUNS * (CHECK_ALL ? 400 : 50) }, () => {
    const replayPath = process.env.CADUCEUS_MODEL_REPLAY;
    const commands = fc.commands([commandArb], { maxCommands: MAX_COMMANDS, size: 'max', replayPath });
    const property = fc.property(bootArb, deepArb, leftArb, commands, (boot, deep, left, cmds) => {
      coverage.sequences++;
      const { kernel, init, bootInfo } = bootKernel({ ...boot, buffer: memoryLeft(boot.pages, left) });
      const ref = new RefKernel(boot.pages, boot.regions);
      const model: Model = { ref, over: false, deep: deep || CHECK_ALL, log: [] };
      const real: Real = { kernel, init };
      const bootFree = bootInfo.memory.map((m) => kernel.invoke(init, { op: Op.FreePages, cap: m.cap })?.value as number);
      verify(model, real);
      fc.modelRun(() => ({ model, real }), cmds);
      finish(model, real, bootFree);
    });
    fc.assert(property, { numRuns: RUNS, ...replay });
    if (RUNS >= 1000) {
      // The generators must keep reaching the interesting states (counts for 1000 runs are far above these).
      expect(coverage.count('Alloc ENOMEM'), coverage.report()).toBeGreaterThan(100);
      expect(coverage.count('Copy ERANGE'), coverage.report()).toBeGreaterThan(20);
      expect(coverage.firstFit, coverage.report()).toBeGreaterThan(100);
      expect(coverage.freshAgain, coverage.report()).toBeGreaterThan(50);
      expect(coverage.revokes, coverage.report()).toBeGreaterThan(30);
    }
  });

  it('reports the boot layout the core reports', () => {
    for (const boot of [{ pages: 260 }, { pages: 300, regions: [5, 1, 30] }, { pages: 4096 }]) {
      const { kernel, init, bootInfo } = bootKernel(boot);
      const model: Model = { ref: new RefKernel(boot.pages, boot.regions), over: false, deep: true, log: [] };
      verify(model, { kernel, init });
      for (const region of bootInfo.memory) {
        const cap = model.ref.capAt(region.cap);
        const modelled = cap && { phys: cap.obj * 4096, pages: model.ref.obj(cap.obj).pages };
        expect(modelled).toEqual({ phys: region.phys, pages: region.pages });
      }
      expect(bootInfo.free.start).toBe(16 + bootInfo.memory.length);
    }
  });
});
