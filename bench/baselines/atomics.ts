// B1 and B2: a round trip between the main thread and a worker over shared
// memory, nothing else. The main thread publishes an odd request value in
// the SEQ word; the worker (atomics-echo.mjs) answers with the next even
// value; the main thread waits for it. Each value is checked, and at the end
// the worker's own count of echoes must equal the round trips made.
//
// Modes (the worker does the same on its side):
// - wait (B1): the waiter blocks in Atomics.wait at once; every store is
//   followed by Atomics.notify.
// - spin (B2): the waiter spins on Atomics.load for up to `spinNs` (the clock
//   is read every 64 loads only), then sets its "parked" word and blocks in
//   Atomics.wait. The other side calls Atomics.notify only when that word is
//   set, so a round trip where both sides catch the answer while spinning
//   costs two stores and two loads of shared memory, and no system call.
// - async (informative): Atomics.waitAsync on both sides, always notify:
//   how a thread that must keep its event loop alive (the kernel does) parks.

import { type Subject, elapsedNs, nextMessage, startWorker, stopWorker } from './subject.ts';

export type AtomicsMode = 'wait' | 'spin' | 'async';

export interface AtomicsConfig {
  mode: AtomicsMode;
  /** Spin budget of each waiter, in nanoseconds (mode 'spin' only). */
  spinNs: number;
  /** Mode 'spin': notify even when the other side is not parked (informative). */
  alwaysNotify?: boolean;
}

/** Int32 indexes of the control words; keep in step with atomics-echo.mjs. */
const Word = { Seq: 0, MainParked: 1, WorkerParked: 2, Echoes: 3, Count: 16 } as const;
const STOP = -1;
/** A blocked wait gives up after this long: a dead worker must not hang the benchmark. */
const WAIT_TIMEOUT_MS = 10_000;

/** The clock is read every 64 loads: a load costs about 9 ns here, a clock read about 60 ns. */
const CLOCK_MASK = 63;

/** A waiter's spin: loads of SEQ for up to `budgetNs`. */
class Spinner {
  constructor(
    private readonly words: Int32Array,
    private readonly budgetNs: number,
  ) {}

  /** Spins while SEQ holds `value`; the new value, or `value` when the budget ran out. */
  spin(value: number): number {
    const words = this.words;
    let deadline = 0;
    for (let i = 1; ; i++) {
      const now = Atomics.load(words, Word.Seq);
      if (now !== value) return now;
      if ((i & CLOCK_MASK) === 0) {
        const t = performance.now();
        if (deadline === 0) deadline = t + this.budgetNs / 1e6;
        else if (t > deadline) return value;
      }
    }
  }
}

/** Blocks in Atomics.wait until SEQ moves from `value`; the new value. */
function block(words: Int32Array, value: number): number {
  let now: number;
  while ((now = Atomics.load(words, Word.Seq)) === value) {
    if (Atomics.wait(words, Word.Seq, value, WAIT_TIMEOUT_MS) === 'timed-out') {
      throw new Error(`atomics ping-pong: no answer within ${WAIT_TIMEOUT_MS} ms (worker dead?)`);
    }
  }
  return now;
}

/**
 * The main side of one blocking exchange, in two halves so that B7 can put a
 * promise between them: `send` publishes a request, `receive` waits for its
 * answer (spinning first under the spin policy) and checks it.
 */
export class AtomicsMain {
  private readonly spinning: boolean;
  private readonly alwaysNotify: boolean;

  constructor(
    private readonly words: Int32Array,
    config: AtomicsConfig,
    private readonly spinner: Spinner | null,
  ) {
    this.spinning = config.mode === 'spin';
    this.alwaysNotify = !this.spinning || config.alwaysNotify === true;
  }

  /** Publishes `request` and wakes the worker if it is parked. */
  send(request: number): void {
    const words = this.words;
    Atomics.store(words, Word.Seq, request);
    if (this.alwaysNotify || Atomics.load(words, Word.WorkerParked) === 1) Atomics.notify(words, Word.Seq, 1);
  }

  /** Waits until SEQ moves on from `request`; throws unless it moved to request + 1. */
  receive(request: number): number {
    const words = this.words;
    let answer = this.spinner === null ? request : this.spinner.spin(request);
    if (answer === request) {
      if (this.spinning) Atomics.store(words, Word.MainParked, 1);
      answer = block(words, request);
      if (this.spinning) Atomics.store(words, Word.MainParked, 0);
    }
    if (answer !== request + 1) throw new Error(`atomics ping-pong: sent ${request}, got ${answer}`);
    return answer;
  }
}

/** The main side of `n` round trips with Atomics.wait; returns the last value seen. */
function pingPongBlocking(main: AtomicsMain, first: number, n: number): number {
  let seq = first;
  for (let i = 0; i < n; i++) {
    const request = seq + 1;
    main.send(request);
    seq = main.receive(request);
  }
  return seq;
}

/** The same with Atomics.waitAsync, which leaves the event loop running. */
async function pingPongAsync(words: Int32Array, first: number, n: number): Promise<number> {
  // A pending Atomics.waitAsync does not keep the event loop alive: without
  // this timer a dead worker would let the process exit mid-benchmark.
  const keepAlive = setInterval(() => {}, WAIT_TIMEOUT_MS);
  try {
    return await asyncRoundTrips(words, first, n);
  } finally {
    clearInterval(keepAlive);
  }
}

async function asyncRoundTrips(words: Int32Array, first: number, n: number): Promise<number> {
  let seq = first;
  for (let i = 0; i < n; i++) {
    const request = seq + 1;
    Atomics.store(words, Word.Seq, request);
    Atomics.notify(words, Word.Seq, 1);
    let answer: number;
    while ((answer = Atomics.load(words, Word.Seq)) === request) {
      const w = Atomics.waitAsync(words, Word.Seq, request, WAIT_TIMEOUT_MS);
      if (w.async && (await w.value) === 'timed-out') {
        throw new Error(`atomics ping-pong: no answer within ${WAIT_TIMEOUT_MS} ms (worker dead?)`);
      }
    }
    if (answer !== request + 1) throw new Error(`atomics ping-pong: sent ${request}, got ${answer}`);
    seq = answer;
  }
  return seq;
}

/** A running worker of atomics-echo.mjs and the main side of its exchange. */
export interface AtomicsPair {
  readonly words: Int32Array;
  readonly main: AtomicsMain;
  /** Stops the worker (always), then throws unless it echoed exactly `made` requests. */
  stop(made: number): Promise<void>;
}

/** Starts the worker of one atomics ping-pong; resolves once it is serving. */
export async function openAtomics(config: AtomicsConfig): Promise<AtomicsPair> {
  const buffer = new SharedArrayBuffer(Word.Count * 4);
  const words = new Int32Array(buffer);
  const worker = await startWorker('atomics-echo.mjs', {
    buffer,
    mode: config.mode,
    spinNs: config.spinNs,
    alwaysNotify: config.alwaysNotify === true,
  }, 'ready');
  const spinner = config.mode === 'spin' && config.spinNs > 0 ? new Spinner(words, config.spinNs) : null;
  return {
    words,
    main: new AtomicsMain(words, config, spinner),
    async stop(made) {
      const stopped = nextMessage(worker, WAIT_TIMEOUT_MS);
      Atomics.store(words, Word.Seq, STOP);
      Atomics.notify(words, Word.Seq, 1);
      try {
        if ((await stopped) !== 'stopped') throw new Error('atomics ping-pong: the worker did not stop cleanly');
        const echoes = Atomics.load(words, Word.Echoes);
        if (echoes !== made) throw new Error(`atomics ping-pong: ${made} round trips made, the worker echoed ${echoes}`);
      } finally {
        await stopWorker(worker);
      }
    },
  };
}

/** B1, B2 and their variants: n round trips per batch, timed on the main thread. */
export async function startAtomics(config: AtomicsConfig): Promise<Subject> {
  const pair = await openAtomics(config);
  let seq = 0;
  let made = 0;
  return {
    async roundTrips(n) {
      const start = process.hrtime.bigint();
      seq = config.mode === 'async' ? await pingPongAsync(pair.words, seq, n) : pingPongBlocking(pair.main, seq, n);
      const ns = elapsedNs(start);
      made += n;
      return ns;
    },
    stop: () => pair.stop(made),
  };
}
