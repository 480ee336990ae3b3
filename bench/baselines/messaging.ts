// B3, B4, B5: round trips through Node's message ports and the two libraries
// built on them. Each round trip sends a number and waits for it to come
// back before sending the next; every answer is checked against what was sent.
//
// - B3 postMessage: worker.postMessage(i); message-echo.mjs posts it back
//   from its parentPort 'message' handler.
// - B4 comlink: `await api.echo(i)`, api = comlink.wrap over nodeEndpoint(worker);
//   comlink-echo.mjs exposes { echo: (x) => x } over nodeEndpoint(parentPort).
// - B5 piscina: `await pool.run(i)` on a pool of exactly one thread whose task
//   (piscina-task.mjs) returns its argument; atomics 'disabled', 'sync' (the
//   default) or 'async'.

import { type Remote, releaseProxy, wrap } from 'comlink';
import nodeAdapter from 'comlink/dist/umd/node-adapter.js';
import { Piscina } from 'piscina';
import type { Worker } from 'node:worker_threads';
import { type Subject, elapsedNs, startWorker, stopWorker, workerUrl } from './subject.ts';

// The UMD file sets module.exports to the function and its .d.ts says
// `export default`: under nodenext TypeScript types the default import as
// { default: fn }, while Node hands over the function itself.
const nodeEndpoint = nodeAdapter as unknown as typeof nodeAdapter.default;

function mismatch(what: string, sent: number, got: unknown): Error {
  return new Error(`${what}: sent ${sent}, got back ${String(got)}`);
}

/** `n` postMessage round trips, each sent from the handler of the previous answer. */
function postMessageRoundTrips(worker: Worker, n: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let i = 0;
    const finish = (error?: Error) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      if (error === undefined) resolve(elapsedNs(start));
      else reject(error);
    };
    const onMessage = (message: unknown) => {
      if (message !== i) return finish(mismatch('postMessage', i, message));
      if (++i === n) return finish();
      worker.postMessage(i);
    };
    const onError = (error: Error) => finish(error);
    worker.on('message', onMessage);
    worker.on('error', onError);
    const start = process.hrtime.bigint();
    worker.postMessage(0);
  });
}

/** B3: the main thread and an echoing worker. */
export async function startPostMessage(): Promise<Subject> {
  const worker = await startWorker('message-echo.mjs');
  return {
    roundTrips: (n) => postMessageRoundTrips(worker, n),
    stop: () => stopWorker(worker),
  };
}

interface EchoApi {
  echo(x: number): number;
}

/** B4: comlink calls to a worker that exposes echo(). */
export async function startComlink(): Promise<Subject> {
  const worker = await startWorker('comlink-echo.mjs');
  const api: Remote<EchoApi> = wrap<EchoApi>(nodeEndpoint(worker));
  return {
    async roundTrips(n) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const got = await api.echo(i);
        if (got !== i) throw mismatch('comlink', i, got);
      }
      return elapsedNs(start);
    },
    async stop() {
      api[releaseProxy]();
      await stopWorker(worker);
    },
  };
}

export type PiscinaAtomics = 'disabled' | 'sync' | 'async';

/** B5: piscina tasks on a pool of exactly one thread. */
export async function startPiscina(atomics: PiscinaAtomics): Promise<Subject> {
  const pool = new Piscina({
    filename: workerUrl('piscina-task.mjs').href,
    minThreads: 1,
    maxThreads: 1,
    atomics,
  });
  // Wait for the thread to be up, so the first timed task does not start it.
  const first: unknown = await pool.run(-1);
  if (first !== -1) throw mismatch(`piscina (${atomics})`, -1, first);
  return {
    async roundTrips(n) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const got: unknown = await pool.run(i);
        if (got !== i) throw mismatch(`piscina (${atomics})`, i, got);
      }
      return elapsedNs(start);
    },
    async stop() {
      await pool.destroy();
    },
  };
}
