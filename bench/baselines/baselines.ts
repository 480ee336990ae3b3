// B1-B7 (docs/goals.md): the raw round trips every thread-crossing figure of the
// suite is quoted against, each between threads of this process.
//
//   B1  Atomics ping-pong, Atomics.wait / Atomics.notify, no spin
//   B2  the same with a bounded spin before waiting (SPIN_POLICY below)
//   B3  postMessage to a worker that posts the message back
//   B4  comlink call of a worker function that returns its argument
//   B5  piscina pool.run of a task that returns at once, one thread,
//       atomics 'disabled'; the default ('sync') reported beside it
//   B6  the three-thread relay client -> hub -> server -> hub -> client
//       (relay.ts), under each spin-or-park policy; B6 is the policy with
//       the least median on this machine, every policy an informative row
//   B7  B2 with an awaited, already-resolved promise per round trip
//       (promise.ts); with a pending map and a microtask beside it
//
// Method: measure.ts (batches, warm-up, runs taking turns, every subject
// stopped even on failure). Later benchmarks (P1-P4, P10) call
// measureBaselines() or measureUnderLoad() in their own run and divide by
// these medians.

import { type BenchOptions } from '../harness.ts';
import { type AtomicsConfig, startAtomics } from './atomics.ts';
import { type MachineLoad, watchLoad } from './load.ts';
import {
  type BaselineFigure,
  type BaselinePlan,
  type Candidate,
  type Failure,
  FULL_PLAN,
  QUICK_PLAN,
  baseline,
  measureFigures,
  variant,
} from './measure.ts';
import { startComlink, startPiscina, startPostMessage } from './messaging.ts';
import { startPromised } from './promise.ts';
import { RELAY_POLICIES, type RelayPolicy, startRelay } from './relay.ts';

export type { BaselineFigure, BaselinePlan } from './measure.ts';

/**
 * B2's spin policy: each waiter spins on Atomics.load for up to 50 µs (the
 * clock is read every 64 loads), then parks in Atomics.wait after setting
 * a "parked" word; a writer calls Atomics.notify only if the other side is
 * parked. On a quiet machine every budget from 10 to 200 µs gives the same
 * round trip; the budget must stay well above the ~17 µs it takes to wake a
 * parked thread on an idle core here, or one hiccup locks both sides into
 * parking; and each extra µs costs 2 µs per round trip whenever another
 * thread competes. See docs/benchmarks.md for the sweep.
 */
export const SPIN_POLICY: AtomicsConfig = { mode: 'spin', spinNs: 50_000 };

export type BaselineId = 'B1' | 'B2' | 'B3' | 'B4' | 'B5' | 'B6' | 'B7';

/** B6 and the policy it was measured under. */
export interface RelayChoice {
  /** The fastest policy's figure, keyed 'B6'. */
  B6: BaselineFigure;
  /** The name of the policy chosen (RELAY_POLICIES). */
  policy: string;
  /** Every policy's figure, keyed 'B6 <policy>', informative. */
  policies: BaselineFigure[];
}

export interface BaselineResults {
  id: 'B';
  plan: BaselinePlan;
  spinPolicy: AtomicsConfig;
  relayPolicies: readonly RelayPolicy[];
  /** The seven baselines; B5 is piscina with atomics 'disabled'. */
  B1: BaselineFigure;
  B2: BaselineFigure;
  B3: BaselineFigure;
  B4: BaselineFigure;
  B5: BaselineFigure;
  /** B5 with piscina's default atomics ('sync'), if it worked. */
  B5sync?: BaselineFigure;
  B6: BaselineFigure;
  /** The relay policy B6 was measured under, chosen in this run. */
  B6policy: string;
  B7: BaselineFigure;
  /** B7's informative variant: a pending map and a microtask per call, if it worked. */
  B7pending?: BaselineFigure;
  /** Every figure measured, baselines first, then the informative variants. */
  figures: BaselineFigure[];
  /** Figures that could not be measured, with the reason. */
  failures: Failure[];
  /** How busy the rest of the machine was meanwhile (Linux only). */
  load?: MachineLoad;
  /**
   * False when other work used more than BUSY_CORES meanwhile: then B2 (and
   * any ratio to it) is not to be quoted. Undefined when the load is unknown.
   */
  quiet?: boolean;
}

/** B1 and B6 alone, as P10 measures them while one core is kept busy. */
export interface LoadedBaselines {
  plan: BaselinePlan;
  relayPolicies: readonly RelayPolicy[];
  B1: BaselineFigure;
  B6: BaselineFigure;
  B6policy: string;
  figures: BaselineFigure[];
  failures: Failure[];
  load?: MachineLoad;
}

/**
 * Other work (other processes plus steal) above this many cores makes the
 * figures unquotable: a competing thread throws a spinning pair into the
 * regime where both share one core (see docs/benchmarks.md).
 */
export const BUSY_CORES = 0.1;

export interface BaselineOptions extends BenchOptions {
  /** Also measure the informative variants (spin budgets, waitAsync, piscina 'async'). */
  variants?: boolean;
}

const us = (ns: number) => `${ns / 1000} µs`;

const B1 = baseline('B1', 'Atomics wait/notify ping-pong, no spin', () => startAtomics({ mode: 'wait', spinNs: 0 }));

/** B6's candidates: one relay per policy, each required (B6 is chosen among all of them). */
const RELAYS: Candidate[] = RELAY_POLICIES.map((policy) =>
  variant(`B6 ${policy.name}`, policy.what, () => startRelay(policy), true),
);

const BASELINES: Candidate[] = [
  B1,
  baseline('B2', `Atomics ping-pong, spin <= ${us(SPIN_POLICY.spinNs)} then wait`, () => startAtomics(SPIN_POLICY)),
  baseline('B3', 'postMessage round trip, worker echoes', startPostMessage),
  baseline('B4', 'comlink call, worker returns its argument', startComlink),
  baseline('B5', "piscina run, 1 thread, atomics 'disabled'", () => startPiscina('disabled')),
  baseline('B5 sync', "piscina run, 1 thread, atomics 'sync' (default)", () => startPiscina('sync'), true),
  ...RELAYS,
  baseline('B7', 'B2 + an awaited, already-resolved promise per round trip', () => startPromised('resolved', SPIN_POLICY)),
  variant('B7 pending map', 'B2 + a Map<seq, resolver> and a microtask per call', () => startPromised('pending', SPIN_POLICY)),
];

/** The spin sweep and the other explanatory figures. */
const VARIANTS: Candidate[] = [
  ...[0, 1_000, 5_000, 10_000, 20_000, 200_000, 1_000_000].map((spinNs) =>
    variant(
      `B2 spin ${us(spinNs)}`,
      spinNs === 0 ? 'parked flags, no spin: wait/notify only when needed' : `Atomics ping-pong, spin <= ${us(spinNs)} then wait`,
      () => startAtomics({ mode: 'spin', spinNs }),
    ),
  ),
  variant('B2 always notify', "B2's spin, but notify after every store", () =>
    startAtomics({ ...SPIN_POLICY, alwaysNotify: true }),
  ),
  variant('B1 waitAsync', 'Atomics.waitAsync ping-pong (event loop stays alive)', () => startAtomics({ mode: 'async', spinNs: 0 })),
  variant('B5 async', "piscina run, 1 thread, atomics 'async'", () => startPiscina('async')),
];

/**
 * B6: the relay policy with the least median in this run, keyed 'B6', and
 * every policy's figure. The choice is made afresh in every run, so it
 * follows the machine's cores and how busy they are.
 */
export function chooseRelay(figures: readonly BaselineFigure[]): RelayChoice {
  const policies = RELAY_POLICIES.map((policy) => {
    const figure = figures.find((f) => f.key === `B6 ${policy.name}`);
    if (figure === undefined) throw new Error(`B6: the relay under policy '${policy.name}' was not measured`);
    return { policy, figure };
  });
  const best = policies.reduce((a, b) => (b.figure.roundTripNs.median < a.figure.roundTripNs.median ? b : a));
  return {
    B6: { ...best.figure, key: 'B6', what: `three-thread relay, fastest policy here: ${best.policy.name}`, informative: false },
    policy: best.policy.name,
    policies: policies.map((p) => p.figure),
  };
}

/** The figures with B6 placed among the baselines, right before B7. */
function withB6(figures: BaselineFigure[], b6: BaselineFigure): BaselineFigure[] {
  const baselines = figures.filter((f) => !f.informative);
  const at = baselines.findIndex((f) => f.key === 'B7');
  baselines.splice(at === -1 ? baselines.length : at, 0, b6);
  return [...baselines, ...figures.filter((f) => f.informative)];
}

function required(figures: readonly BaselineFigure[], key: BaselineId): BaselineFigure {
  const f = figures.find((figure) => figure.key === key);
  if (f === undefined) throw new Error(`baseline ${key} was not measured`);
  return f;
}

/** Figures measured together, with B6 chosen among the relay policies if they were measured. */
interface MeasuredSet {
  plan: BaselinePlan;
  figures: BaselineFigure[];
  failures: Failure[];
  relay?: RelayChoice;
  load?: MachineLoad;
  quiet?: boolean;
}

async function measureSet(candidates: readonly Candidate[], options: BenchOptions): Promise<MeasuredSet> {
  const plan = options.quick ? QUICK_PLAN : FULL_PLAN;
  const watch = watchLoad();
  const measured = await measureFigures(candidates, plan);
  const load = watch();
  const hasRelays = candidates.some((c) => c.key.startsWith('B6 '));
  const relay = hasRelays ? chooseRelay(measured.figures) : undefined;
  return {
    plan,
    figures: relay === undefined ? measured.figures : withB6(measured.figures, relay.B6),
    failures: measured.failures,
    relay,
    load,
    quiet: load === undefined ? undefined : load.otherCores + load.stealCores <= BUSY_CORES,
  };
}

function relayOfSet(set: MeasuredSet): RelayChoice {
  if (set.relay === undefined) throw new Error('baseline B6 was not measured');
  return set.relay;
}

/** Measures the baselines (and with `variants`, the informative figures); round trips in ns. */
export async function measureBaselines(options: BaselineOptions = {}): Promise<BaselineResults> {
  const set = await measureSet(options.variants ? [...BASELINES, ...VARIANTS] : BASELINES, options);
  const { figures } = set;
  const relay = relayOfSet(set);
  const figure = (key: string) => figures.find((f) => f.key === key);
  return {
    id: 'B',
    plan: set.plan,
    spinPolicy: SPIN_POLICY,
    relayPolicies: RELAY_POLICIES,
    B1: required(figures, 'B1'),
    B2: required(figures, 'B2'),
    B3: required(figures, 'B3'),
    B4: required(figures, 'B4'),
    B5: required(figures, 'B5'),
    B5sync: figure('B5 sync'),
    B6: relay.B6,
    B6policy: relay.policy,
    B7: required(figures, 'B7'),
    B7pending: figure('B7 pending map'),
    figures,
    failures: set.failures,
    load: set.load,
    quiet: set.quiet,
  };
}

/** B6 and its policies, as the entry B6 reports them. */
export interface RelayResults {
  id: 'B6';
  plan: BaselinePlan;
  relayPolicies: readonly RelayPolicy[];
  B6: BaselineFigure;
  B6policy: string;
  /** B6, then every policy's figure. */
  figures: BaselineFigure[];
  failures: Failure[];
  load?: MachineLoad;
  quiet?: boolean;
}

/** B7 and what it is judged against, as the entry B7 reports them; `figures` are B2, B7, then B7 pending map. */
export type PromiseResults = { id: 'B7' } & Pick<
  BaselineResults,
  'plan' | 'spinPolicy' | 'B2' | 'B7' | 'B7pending' | 'figures' | 'failures' | 'load' | 'quiet'
>;

const RELAY_KEYS = new Set(['B6', ...RELAYS.map((c) => c.key)]);
const PROMISE_KEYS = new Set(['B2', 'B7', 'B7 pending map']);
const subsetOf = (all: { figures: BaselineFigure[]; failures: Failure[] }, keys: Set<string>) => ({
  figures: all.figures.filter((f) => keys.has(f.key)),
  failures: all.failures.filter((f) => keys.has(f.key)),
});

/** B6's part of the whole baselines. */
export function relayOf(all: BaselineResults): RelayResults {
  const { plan, relayPolicies, B6, B6policy, load, quiet } = all;
  return { id: 'B6', plan, relayPolicies, B6, B6policy, ...subsetOf(all, RELAY_KEYS), load, quiet };
}

/** B7's part of the whole baselines. */
export function promiseOf(all: BaselineResults): PromiseResults {
  const { plan, spinPolicy, B2, B7, B7pending, load, quiet } = all;
  return { id: 'B7', plan, spinPolicy, B2, B7, B7pending, ...subsetOf(all, PROMISE_KEYS), load, quiet };
}

/** B6 alone: the relay under every policy, by the same method. */
export async function measureRelays(options: BenchOptions = {}): Promise<RelayResults> {
  const set = await measureSet(RELAYS, options);
  const relay = relayOfSet(set);
  const { plan, figures, failures, load, quiet } = set;
  return { id: 'B6', plan, relayPolicies: RELAY_POLICIES, B6: relay.B6, B6policy: relay.policy, figures, failures, load, quiet };
}

/** B7 alone, with B2 beside it (B7 is judged as a multiple of B2). */
export async function measurePromises(options: BenchOptions = {}): Promise<PromiseResults> {
  const set = await measureSet(BASELINES.filter((c) => PROMISE_KEYS.has(c.key)), options);
  const { plan, figures, failures, load, quiet } = set;
  const B7pending = figures.find((f) => f.key === 'B7 pending map');
  return { id: 'B7', plan, spinPolicy: SPIN_POLICY, B2: required(figures, 'B2'), B7: required(figures, 'B7'), B7pending, figures, failures, load, quiet };
}

/** B1 and B6 (every relay policy) alone, by the same method: P10 measures them under its load. */
export async function measureUnderLoad(options: BenchOptions = {}): Promise<LoadedBaselines> {
  const set = await measureSet([B1, ...RELAYS], options);
  const relay = relayOfSet(set);
  const { plan, figures, failures, load } = set;
  return { plan, relayPolicies: RELAY_POLICIES, B1: required(figures, 'B1'), B6: relay.B6, B6policy: relay.policy, figures, failures, load };
}
