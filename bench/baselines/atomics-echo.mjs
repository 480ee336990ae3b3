// Worker side of B1 and B2 (and their informative variants): answers every
// request word the main thread publishes with the next value, on shared
// memory, until the main thread publishes STOP. See atomics.ts for the
// layout of the control words and the main side; the two must agree.
//
// workerData: { buffer: SharedArrayBuffer, mode: 'wait' | 'spin' | 'async', spinNs: number,
//              alwaysNotify: boolean }
// - wait: wait with Atomics.wait, always notify (B1);
// - spin: spin on Atomics.load for up to spinNs, then announce "parked" and
//   Atomics.wait; notify the main thread only if it announced it is parked (B2);
// - async: Atomics.waitAsync, always notify (informative: how the kernel parks).

import { parentPort, workerData } from 'node:worker_threads';

// Int32 indexes; keep in step with Word in atomics.ts.
const SEQ = 0;
const MAIN_PARKED = 1;
const WORKER_PARKED = 2;
const ECHOES = 3;
const STOP = -1;

const { buffer, mode, spinNs } = workerData;
const words = new Int32Array(buffer);
const alwaysNotify = mode !== 'spin' || workerData.alwaysNotify === true;

// The spin of atomics.ts, the same numbers: the clock is read every 64 loads
// (a load costs about 9 ns here, a clock read about 60 ns).
const CLOCK_MASK = 63;

/** Spins on SEQ while it holds `value`, for at most about spinNs; the new value or `value`. */
function spin(value) {
  let deadline = 0;
  for (let i = 1; ; i++) {
    const now = Atomics.load(words, SEQ);
    if (now !== value) return now;
    if ((i & CLOCK_MASK) === 0) {
      const t = performance.now();
      if (deadline === 0) deadline = t + spinNs / 1e6;
      else if (t > deadline) return value;
    }
  }
}

/** Blocks until SEQ moves from `value`; returns the new value. */
function awaitChange(value) {
  const spinning = mode === 'spin';
  if (spinning && spinNs > 0) {
    const now = spin(value);
    if (now !== value) return now;
  }
  if (spinning) Atomics.store(words, WORKER_PARKED, 1);
  let now;
  while ((now = Atomics.load(words, SEQ)) === value) Atomics.wait(words, SEQ, value);
  if (spinning) Atomics.store(words, WORKER_PARKED, 0);
  return now;
}

function reply(value) {
  Atomics.store(words, SEQ, value);
  if (alwaysNotify || Atomics.load(words, MAIN_PARKED) === 1) Atomics.notify(words, SEQ, 1);
}

function serveBlocking(initial) {
  let last = initial;
  let echoes = 0;
  for (;;) {
    const request = awaitChange(last);
    if (request === STOP) break;
    last = request + 1;
    echoes++;
    reply(last);
  }
  Atomics.store(words, ECHOES, echoes);
}

async function serveAsync(initial) {
  // A pending Atomics.waitAsync does not keep a thread's event loop alive.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let last = initial;
  let echoes = 0;
  for (;;) {
    let request;
    while ((request = Atomics.load(words, SEQ)) === last) {
      const w = Atomics.waitAsync(words, SEQ, last);
      if (w.async) await w.value;
    }
    if (request === STOP) break;
    last = request + 1;
    echoes++;
    reply(last);
  }
  Atomics.store(words, ECHOES, echoes);
  clearInterval(keepAlive);
}

// Read before saying ready: the main thread may publish a request at once.
const initial = Atomics.load(words, SEQ);
parentPort.postMessage('ready');
if (mode === 'async') await serveAsync(initial);
else serveBlocking(initial);
parentPort.postMessage('stopped');
