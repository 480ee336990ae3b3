// Worker side of B6, the three-thread relay: the hub or the server. See
// relay.ts for the word layout, the policies and the client (the main
// thread); the three must agree.
//
// workerData: { buffer: SharedArrayBuffer, role: 'hub' | 'server', spinNs: number }
// - hub: waits for a request in REQ, copies it to FWD; waits for the
//   server's answer in ANS, copies it to BACK; until REQ holds STOP, which it
//   passes on to FWD. Counts the round trips it relayed.
// - server: waits for a request in FWD, answers request + 1 in ANS, until
//   FWD holds STOP. Counts its answers.
// Each waiter spins on Atomics.load for up to spinNs (the clock read every
// 64 loads), then sets its parked word and blocks in Atomics.wait; a writer
// notifies a word only when the thread that waits on it is parked.

import { parentPort, workerData } from 'node:worker_threads';

// Int32 indexes, each word on its own 64-byte cache line; keep in step with Word in relay.ts.
const REQ = 0;
const FWD = 16;
const ANS = 32;
const BACK = 48;
const CLIENT_PARKED = 64;
const HUB_PARKED = 80;
const SERVER_PARKED = 96;
const RELAYS = 112;
const ANSWERS = 128;
const STOP = -1;
const CLOCK_MASK = 63;

const { buffer, role, spinNs } = workerData;
const words = new Int32Array(buffer);
const parked = role === 'hub' ? HUB_PARKED : SERVER_PARKED;

/** Waits until words[index] moves from `value`: spin within the budget, then park. */
function awaitChange(index, value) {
  if (spinNs > 0) {
    let deadline = 0;
    for (let i = 1; ; i++) {
      const now = Atomics.load(words, index);
      if (now !== value) return now;
      if ((i & CLOCK_MASK) === 0) {
        const t = performance.now();
        if (deadline === 0) deadline = t + spinNs / 1e6;
        else if (t > deadline) break;
      }
    }
  }
  Atomics.store(words, parked, 1);
  let now;
  while ((now = Atomics.load(words, index)) === value) Atomics.wait(words, index, value);
  Atomics.store(words, parked, 0);
  return now;
}

/** Stores `value` and wakes the thread waiting on it, if that thread is parked (or always, at STOP). */
function publish(index, value, peerParked) {
  Atomics.store(words, index, value);
  if (value === STOP || Atomics.load(words, peerParked) === 1) Atomics.notify(words, index, 1);
}

function hub(initialRequest, initialAnswer) {
  let request = initialRequest;
  let answer = initialAnswer;
  let relays = 0;
  for (;;) {
    request = awaitChange(REQ, request);
    if (request === STOP) break;
    publish(FWD, request, SERVER_PARKED);
    answer = awaitChange(ANS, answer);
    publish(BACK, answer, CLIENT_PARKED);
    relays++;
  }
  Atomics.store(words, RELAYS, relays);
  publish(FWD, STOP, SERVER_PARKED);
}

function server(initialRequest) {
  let request = initialRequest;
  let answers = 0;
  for (;;) {
    request = awaitChange(FWD, request);
    if (request === STOP) break;
    answers++;
    publish(ANS, request + 1, HUB_PARKED);
  }
  Atomics.store(words, ANSWERS, answers);
}

// Read before saying ready: the client sends its first request as soon as
// both workers have said it.
const initial = [Atomics.load(words, role === 'hub' ? REQ : FWD), Atomics.load(words, ANS)];
parentPort.postMessage('ready');
if (role === 'hub') hub(initial[0], initial[1]);
else server(initial[0]);
parentPort.postMessage('stopped');
