// P9's peers: the kv workload of p9-protocol.ts with no kernel, its 64
// clients concurrent async functions on the main thread, the store a worker.
//
// - comlink: `await kv.set(key, value)` / `await kv.get(key)` through
//   comlink.wrap over the worker (kv-comlink.mjs exposes the store);
//   comlink tags each call with its own id and keeps the pending calls.
// - postMessage: the clients share the worker's one message port: each
//   request is [id, op, key, value?], a Map<id, resolver> holds the pending
//   ones, and one 'message' listener resolves them from [id, result]
//   (kv-message.mjs).
//
// A round runs every client through its pairs at once and is timed from
// the first request to the last answer. Every get is checked against what
// the same client set; afterwards the worker's count of sets and gets must
// equal those made. A worker that fails or exits fails the round at once,
// and a round that outlasts its timeout fails too: a dead worker cannot
// hang the benchmark.

import { type Remote, releaseProxy, wrap } from 'comlink';
import nodeAdapter from 'comlink/dist/umd/node-adapter.js';
import type { Worker } from 'node:worker_threads';
import { KvOp, keyFor, valueFor } from '../programs/p9-protocol.ts';
import { startWorker, stopWorker } from '../baselines/subject.ts';

// See bench/baselines/messaging.ts: the UMD default export, typed under nodenext.
const nodeEndpoint = nodeAdapter as unknown as typeof nodeAdapter.default;

/** The kv store as the clients see it. */
export interface KvStore {
  set(key: number, value: string): Promise<boolean>;
  get(key: number): Promise<string | undefined>;
  /** Sets and gets the store has answered so far. */
  served(): Promise<number>;
}

/** One peer of P9: a store to run rounds against, and its shutdown. */
export interface KvPeer {
  name: string;
  /** `clients` concurrent clients, `pairs` set + get pairs each; wrong answers and ms. */
  round(clients: number, pairs: number, timeoutMs: number): Promise<{ ms: number; wrong: number }>;
  stop(): Promise<void>;
}

const workerFile = (name: string) => new URL(`./${name}`, import.meta.url);

/** Rejects when the worker fails or exits; `off` detaches the listeners. */
function deathOf(worker: Worker, what: string): { dead: Promise<never>; off(): void } {
  let off = () => {};
  const dead = new Promise<never>((_, reject) => {
    const onError = (error: Error) => reject(new Error(`${what}: the kv worker failed: ${error.message}`));
    const onExit = (code: number) => reject(new Error(`${what}: the kv worker exited with code ${code}`));
    worker.once('error', onError);
    worker.once('exit', onExit);
    off = () => {
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
  });
  dead.catch(() => undefined);
  return { dead, off };
}

/** `promise`, or a rejection after `ms` naming `what`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Builds a peer from a store: rounds of concurrent clients, each client's pairs numbered on across rounds. */
function peer(name: string, worker: Worker, store: KvStore, shutdown: () => void): KvPeer {
  const next = new Map<number, number>();
  let made = 0;
  const client = async (c: number, pairs: number): Promise<number> => {
    let wrong = 0;
    let n = next.get(c) ?? 0;
    for (let i = 0; i < pairs; i++, n++) {
      const key = keyFor(c, n);
      const value = valueFor(c, n);
      if ((await store.set(key, value)) !== true) wrong++;
      if ((await store.get(key)) !== value) wrong++;
    }
    next.set(c, n);
    return wrong;
  };
  return {
    name,
    async round(clients, pairs, timeoutMs) {
      const death = deathOf(worker, name);
      try {
        const t0 = performance.now();
        const all = Promise.all(Array.from({ length: clients }, (_, i) => client(i + 1, pairs)));
        const wrongs = await within(Promise.race([all, death.dead]), timeoutMs, `P9 ${name} round`);
        const ms = performance.now() - t0;
        made += 2 * clients * pairs;
        const served = await within(Promise.race([store.served(), death.dead]), timeoutMs, `P9 ${name}`);
        if (served !== made) throw new Error(`P9 ${name}: ${made} sets and gets made, the store served ${served}`);
        return { ms, wrong: wrongs.reduce((a, b) => a + b, 0) };
      } finally {
        death.off();
      }
    },
    async stop() {
      try {
        shutdown();
      } finally {
        await stopWorker(worker);
      }
    },
  };
}

interface ComlinkKv {
  set(key: number, value: string): boolean;
  get(key: number): string | undefined;
  served(): number;
}

/** P9 over comlink: the store exposed by kv-comlink.mjs. */
export async function startComlinkKv(): Promise<KvPeer> {
  const worker = await startWorker(workerFile('kv-comlink.mjs'));
  const api: Remote<ComlinkKv> = wrap<ComlinkKv>(nodeEndpoint(worker));
  const store: KvStore = {
    set: (key, value) => api.set(key, value),
    get: (key) => api.get(key),
    served: () => api.served(),
  };
  return peer('comlink', worker, store, () => api[releaseProxy]());
}

interface Resolver {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** P9 over raw postMessage: requests tagged by id, multiplexed over the worker's port (kv-message.mjs). */
export async function startMessageKv(): Promise<KvPeer> {
  const worker = await startWorker(workerFile('kv-message.mjs'));
  const pending = new Map<number, Resolver>();
  let id = 0;
  /** A wrong answer fails every pending request (and so the round), not the process. */
  const fail = (error: Error) => {
    for (const r of pending.values()) r.reject(error);
    pending.clear();
  };
  const onMessage = (answer: unknown) => {
    if (!Array.isArray(answer) || typeof answer[0] !== 'number') return fail(new Error(`P9 postMessage: a malformed answer ${String(answer)}`));
    const resolver = pending.get(answer[0]);
    if (resolver === undefined) return fail(new Error(`P9 postMessage: an answer to ${answer[0]}, which nobody asked`));
    pending.delete(answer[0]);
    resolver.resolve(answer[1]);
  };
  worker.on('message', onMessage);
  const request = (op: number, key?: number, value?: string): Promise<unknown> =>
    new Promise<unknown>((resolve, reject) => {
      const tag = ++id;
      pending.set(tag, { resolve, reject });
      worker.postMessage(value === undefined ? [tag, op, key] : [tag, op, key, value]);
    });
  const store: KvStore = {
    set: async (key, value) => (await request(KvOp.Set, key, value)) === true,
    get: async (key) => {
      const got = await request(KvOp.Get, key);
      return typeof got === 'string' ? got : undefined;
    },
    served: async () => Number(await request(KvOp.Served)),
  };
  return peer('postMessage', worker, store, () => {
    worker.off('message', onMessage);
    if (pending.size > 0) throw new Error(`P9 postMessage: ${pending.size} requests were never answered`);
  });
}
