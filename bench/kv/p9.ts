// P9: the kv workload of bench/programs/p9-protocol.ts, 64 clients
// alternating set and get, over Caduceus, comlink and raw postMessage, all
// in one run; goal: Caduceus >= 1.5 x postMessage and >= 4 x comlink.
//
// - Caduceus: a system booted per run through the public API (`boot`), one
//   pooled thread holding init and the 64 client tasks, the server on a
//   dedicated thread (bench/programs/p9-*.ts). Init does a warm-up round,
//   then the timed round, checks the server's count and takes everything
//   back; the booting and the warm-up are outside the timing.
// - comlink, postMessage: 64 concurrent async clients on the main thread
//   against a kv worker (transports.ts), started once and warmed up once.
//
// Each run is one round of each peer, the peers taking turns in an order
// rotated run by run. A sample is the round's sets and gets over its time.
// Every get was checked against what the same client set; every store's
// count of requests served matched those made; every worker and system is
// stopped, also on failure.

import { P9_MIN_COMLINK, P9_MIN_POSTMESSAGE } from '../goals.ts';
import { type BenchOptions, type BenchReport, type Stats, summarize } from '../harness.ts';
import { type MachineLoad, watchLoad } from '../baselines/load.ts';
import type { P9InitResult } from '../programs/p9-init.ts';
import { program, runInit } from '../run-init.ts';
import { type KvPeer, startComlinkKv, startMessageKv } from './transports.ts';

/** Concurrent clients, as docs/goals.md says. */
export const CLIENTS = 64;

export interface P9Plan {
  runs: number;
  /** Set + get pairs per client in a timed round. */
  pairs: number;
  /** Pairs per client in a warm-up round. */
  warm: number;
  /** A round (a whole boot, for Caduceus) that takes longer fails. */
  timeoutMs: number;
}

const FULL: P9Plan = { runs: 5, pairs: 200, warm: 50, timeoutMs: 300_000 };
const QUICK: P9Plan = { runs: 2, pairs: 20, warm: 10, timeoutMs: 120_000 };

export type P9Peer = 'caduceus' | 'comlink' | 'postMessage';

export interface P9Figures {
  plan: P9Plan;
  clients: number;
  /** Sets and gets in one timed round. */
  opsPerRound: number;
  /** Sets and gets per second, one sample per run. */
  opsPerSec: Record<P9Peer, Stats>;
  load?: MachineLoad;
}

export interface P9Result extends P9Figures {
  /** Caduceus over postMessage and over comlink, by medians. */
  vsPostMessage: number;
  vsComlink: number;
}

/** One round of a peer: ms for the round's sets and gets, all checked. */
type Round = () => Promise<number>;

/** A Caduceus round: boots a system, runs p9-init, checks what it says. */
async function caduceusRound(plan: P9Plan): Promise<number> {
  const argv = [String(CLIENTS), String(plan.pairs), String(plan.warm)];
  const r = (await runInit(program('p9-init'), argv, 1, plan.timeoutMs)) as P9InitResult;
  const problems = [
    r.clients !== CLIENTS || r.pairs !== plan.pairs ? `ran ${r.clients} clients x ${r.pairs} pairs` : '',
    r.wrong !== 0 ? `${r.wrong} wrong answers` : '',
    r.served !== r.expected ? `the server served ${r.served} of ${r.expected} requests` : '',
    r.pagesBack ? '' : 'pages missing after the teardown',
  ].filter((p) => p !== '');
  if (problems.length > 0) throw new Error(`P9 Caduceus: ${problems.join('; ')}`);
  return r.ms;
}

/** A host peer's round, checked. */
async function hostRound(peer: KvPeer, pairs: number, plan: P9Plan): Promise<number> {
  const { ms, wrong } = await peer.round(CLIENTS, pairs, plan.timeoutMs);
  if (wrong !== 0) throw new Error(`P9 ${peer.name}: ${wrong} wrong answers`);
  return ms;
}

/** Starts every peer it can; if one fails to start, stops the others and throws. */
async function startPeers(): Promise<KvPeer[]> {
  const started = await Promise.allSettled([startComlinkKv(), startMessageKv()]);
  const peers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(peers.map((p) => p.stop()));
    throw failed.reason;
  }
  return peers;
}

/** P9's figures: ops/s of each peer, the runs taking turns. */
export async function measureP9(options: BenchOptions): Promise<P9Figures> {
  const plan = options.quick ? QUICK : FULL;
  const load = watchLoad();
  const [comlink, message] = await startPeers();
  const samples: Record<P9Peer, number[]> = { caduceus: [], comlink: [], postMessage: [] };
  let failure: unknown;
  try {
    await hostRound(comlink, plan.warm, plan);
    await hostRound(message, plan.warm, plan);
    const rounds: Array<[P9Peer, Round]> = [
      ['caduceus', () => caduceusRound(plan)],
      ['comlink', () => hostRound(comlink, plan.pairs, plan)],
      ['postMessage', () => hostRound(message, plan.pairs, plan)],
    ];
    const ops = 2 * CLIENTS * plan.pairs;
    for (let run = 0; run < plan.runs; run++) {
      for (let i = 0; i < rounds.length; i++) {
        const [name, round] = rounds[(i + run) % rounds.length];
        const ms = await round();
        samples[name].push(ops / (ms / 1000));
      }
    }
  } catch (error) {
    failure = error;
  }
  const stopped = await Promise.allSettled([comlink.stop(), message.stop()]);
  if (failure !== undefined) throw failure;
  const stopFailure = stopped.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (stopFailure !== undefined) throw stopFailure.reason;
  return {
    plan,
    clients: CLIENTS,
    opsPerRound: 2 * CLIENTS * plan.pairs,
    opsPerSec: { caduceus: summarize(samples.caduceus), comlink: summarize(samples.comlink), postMessage: summarize(samples.postMessage) },
    load: load(),
  };
}

/** Caduceus's rate over each peer's, by medians. */
export function p9Ratios(f: P9Figures): { vsPostMessage: number; vsComlink: number } {
  const c = f.opsPerSec.caduceus.median;
  return { vsPostMessage: c / f.opsPerSec.postMessage.median, vsComlink: c / f.opsPerSec.comlink.median };
}

export async function benchP9(options: BenchOptions): Promise<P9Result> {
  const figures = await measureP9(options);
  return { ...figures, ...p9Ratios(figures) };
}

const rate = (x: number) => `${Math.round(x).toLocaleString('en')} /s`;
const pct = (s: Stats) => `${(s.spread * 100).toFixed(1)} %`;

/** The table of P9's three peers (also used by P10). */
export function p9Table(f: P9Figures): BenchReport['tables'][number] {
  const c = f.opsPerSec.caduceus.median;
  const row = (name: string, s: Stats) => [name, rate(s.median), rate(s.min), rate(s.max), pct(s), `${(c / s.median).toFixed(2)} x`];
  return {
    columns: ['kv workload over', 'median ops/s', 'min', 'max', 'spread', 'Caduceus / it'],
    rows: [
      row('Caduceus (64 pooled tasks, server on a dedicated thread)', f.opsPerSec.caduceus),
      row('raw postMessage (64 clients, one port, tagged by id)', f.opsPerSec.postMessage),
      row('comlink (64 clients, one wrapped worker)', f.opsPerSec.comlink),
    ],
  };
}

export function p9Notes(f: P9Figures): string[] {
  const notes = [
    `${f.clients} clients, each ${f.plan.pairs} set + get pairs per round (${f.opsPerRound.toLocaleString('en')} ops), ` +
      `${f.plan.runs} runs, the three taking turns; each after a warm-up round of ${f.plan.warm} pairs per client`,
    'Caduceus: a system booted per run (boot and warm-up not timed); the server answers each call and waits for the next in one sys.replyRecv',
    'every get returned what its client set; every store served exactly the sets and gets made; every worker and system was stopped',
  ];
  if (f.load !== undefined) {
    const l = f.load;
    notes.push(`machine load over ${(l.wallMs / 1000).toFixed(1)} s: this process ${l.ownCores.toFixed(2)} cores, other processes ${l.otherCores.toFixed(2)} cores, steal ${l.stealCores.toFixed(2)} cores`);
  }
  return notes;
}

export function p9Report(r: P9Result): BenchReport {
  return {
    id: 'P9',
    title: `key-value workload, ${r.clients} clients alternating set and get: Caduceus, raw postMessage, comlink`,
    tables: [p9Table(r)],
    verdicts: [
      { goal: `P9 >= ${P9_MIN_POSTMESSAGE} x raw postMessage, same run`, measured: `${r.vsPostMessage.toFixed(2)} x`, met: r.vsPostMessage >= P9_MIN_POSTMESSAGE },
      { goal: `P9 >= ${P9_MIN_COMLINK} x comlink, same run`, measured: `${r.vsComlink.toFixed(2)} x`, met: r.vsComlink >= P9_MIN_COMLINK },
    ],
    notes: p9Notes(r),
    data: r,
  };
}
