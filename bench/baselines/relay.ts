// B6: the raw three-thread relay, the shape of P2 with no kernel. The client
// (the main thread) stores a request in REQ; the hub (a worker, in P2 the
// kernel thread) copies it to FWD; the server (another worker, in P2 the
// server's dedicated thread) answers request + 1 in ANS; the hub copies that
// to BACK, where the client waits for it. One Int32 word a hop, each on its
// own cache line of one SharedArrayBuffer; relay-worker.mjs is the hub and
// the server.
//
// A policy says how long each thread spins for its next word before it sets
// its parked word and blocks in Atomics.wait; a writer notifies only a
// parked waiter (sequentially consistent atomics: no wake-up is lost). The
// budgets mirror the runtime's: the kernel thread spins 200 µs
// (src/kernel/thread/loop.ts), a task thread 50 µs (src/workers/runtime.ts,
// B2's SPIN_POLICY). Which policy is fastest depends on how many cores the
// three threads get, so B6 is the best of them measured on this machine
// (baselines.ts). Every answer is checked; at the end the hub's count of
// relays and the server's count of answers must equal the round trips made.

import { type Subject, elapsedNs, nextMessage, startWorker, stopWorker } from './subject.ts';

/** Int32 indexes, each on its own 64-byte cache line; keep in step with relay-worker.mjs. */
const Word = {
  Req: 0,
  Fwd: 16,
  Ans: 32,
  Back: 48,
  ClientParked: 64,
  HubParked: 80,
  ServerParked: 96,
  Relays: 112,
  Answers: 128,
  Count: 144,
} as const;
const STOP = -1;
/** A blocked wait gives up after this long: a dead worker must not hang the benchmark. */
const WAIT_TIMEOUT_MS = 10_000;
/** The clock is read every 64 loads (see atomics.ts). */
const CLOCK_MASK = 63;

/** The kernel thread's spin budget (src/kernel/thread/loop.ts SPIN_MS). */
export const HUB_SPIN_NS = 200_000;
/** A task thread's spin budget (src/workers/runtime.ts SPIN_MS; B2's). */
export const END_SPIN_NS = 50_000;

export interface RelayPolicy {
  /** Short name, used in the figure's key: 'B6 <name>'. */
  name: string;
  what: string;
  /** The hub's spin budget, ns. */
  hubSpinNs: number;
  /** The client's and the server's spin budget, ns (0: park at once). */
  endSpinNs: number;
}

const us = (ns: number) => `${ns / 1000} µs`;

/** The policies B6 chooses among. */
export const RELAY_POLICIES: readonly RelayPolicy[] = [
  {
    name: 'all spin',
    what: `relay, every thread spins (hub ${us(HUB_SPIN_NS)}, ends ${us(END_SPIN_NS)}) then parks`,
    hubSpinNs: HUB_SPIN_NS,
    endSpinNs: END_SPIN_NS,
  },
  {
    name: 'hub spins',
    what: `relay, hub spins ${us(HUB_SPIN_NS)} then parks, client and server park at once`,
    hubSpinNs: HUB_SPIN_NS,
    endSpinNs: 0,
  },
  { name: 'no spin', what: 'relay, nobody spins: every thread parks at once', hubSpinNs: 0, endSpinNs: 0 },
];

/** The client's wait for BACK to move from `value`: spin within the budget, park, give up after the timeout. */
function awaitBack(words: Int32Array, value: number, spinNs: number): number {
  if (spinNs > 0) {
    let deadline = 0;
    for (let i = 1; ; i++) {
      const now = Atomics.load(words, Word.Back);
      if (now !== value) return now;
      if ((i & CLOCK_MASK) === 0) {
        const t = performance.now();
        if (deadline === 0) deadline = t + spinNs / 1e6;
        else if (t > deadline) break;
      }
    }
  }
  Atomics.store(words, Word.ClientParked, 1);
  try {
    let now: number;
    while ((now = Atomics.load(words, Word.Back)) === value) {
      if (Atomics.wait(words, Word.Back, value, WAIT_TIMEOUT_MS) === 'timed-out') {
        throw new Error(`relay: no answer within ${WAIT_TIMEOUT_MS} ms (hub or server dead?)`);
      }
    }
    return now;
  } finally {
    Atomics.store(words, Word.ClientParked, 0);
  }
}

/** `n` round trips from the client; returns the last answer. */
function relayRoundTrips(words: Int32Array, spinNs: number, first: number, n: number): number {
  let seq = first;
  for (let i = 0; i < n; i++) {
    const request = seq + 1;
    Atomics.store(words, Word.Req, request);
    if (Atomics.load(words, Word.HubParked) === 1) Atomics.notify(words, Word.Req, 1);
    const answer = awaitBack(words, seq, spinNs);
    if (answer !== request + 1) throw new Error(`relay: sent ${request}, got ${answer}`);
    seq = answer;
  }
  return seq;
}

/** Starts the hub and the server of one relay under `policy`; resolves once both serve. */
export async function startRelay(policy: RelayPolicy): Promise<Subject> {
  const buffer = new SharedArrayBuffer(Word.Count * 4);
  const words = new Int32Array(buffer);
  const started = await Promise.allSettled([
    startWorker('relay-worker.mjs', { buffer, role: 'hub', spinNs: policy.hubSpinNs }, 'ready'),
    startWorker('relay-worker.mjs', { buffer, role: 'server', spinNs: policy.endSpinNs }, 'ready'),
  ]);
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(workers.map(stopWorker));
    throw failed.reason;
  }
  const [hub, server] = workers;
  let seq = 0;
  let made = 0;
  return {
    async roundTrips(n) {
      const start = process.hrtime.bigint();
      seq = relayRoundTrips(words, policy.endSpinNs, seq, n);
      const ns = elapsedNs(start);
      made += n;
      return ns;
    },
    async stop() {
      const stopped = Promise.all([nextMessage(hub, WAIT_TIMEOUT_MS), nextMessage(server, WAIT_TIMEOUT_MS)]);
      Atomics.store(words, Word.Req, STOP);
      Atomics.notify(words, Word.Req, 1);
      try {
        const said = await stopped;
        if (said.some((m) => m !== 'stopped')) throw new Error('relay: a worker did not stop cleanly');
        const relays = Atomics.load(words, Word.Relays);
        const answers = Atomics.load(words, Word.Answers);
        if (relays !== made || answers !== made) {
          throw new Error(`relay: ${made} round trips made, the hub relayed ${relays}, the server answered ${answers}`);
        }
      } finally {
        await Promise.all([stopWorker(hub), stopWorker(server)]);
      }
    },
  };
}
