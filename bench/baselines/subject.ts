// What every baseline measures through: a "subject" is one pair of threads
// (the main thread and one worker, or a one-thread piscina pool) that can do
// n round trips on demand and be shut down. Also the worker plumbing the
// subjects share: start a worker from a .mjs file beside this one, wait for
// its first message, and terminate it for good.

import { Worker } from 'node:worker_threads';

export interface Subject {
  /** n round trips, one after the other; total nanoseconds. */
  roundTrips(n: number): Promise<number>;
  /** Ends the worker or pool; the subject is unusable afterwards. */
  stop(): Promise<void>;
}

/** Nanoseconds since an earlier `process.hrtime.bigint()`. */
export function elapsedNs(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/** The URL of a worker file in this folder. */
export function workerUrl(file: string): URL {
  return new URL(`./${file}`, import.meta.url);
}

/**
 * Starts a worker (a file in this folder, or any URL) and waits until it is
 * online (or, with `readyMessage`, until it posts that message). Rejects if
 * the worker fails or exits first.
 */
export function startWorker(where: string | URL, workerData?: unknown, readyMessage?: string): Promise<Worker> {
  const url = typeof where === 'string' ? workerUrl(where) : where;
  const file = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  const worker = new Worker(url, { workerData });
  return new Promise<Worker>((resolve, reject) => {
    const cleanup = () => {
      worker.off('online', onOnline);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const ready = () => {
      cleanup();
      resolve(worker);
    };
    const onOnline = () => {
      if (readyMessage === undefined) ready();
    };
    const onMessage = (message: unknown) => {
      if (message === readyMessage) ready();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new Error(`${file}: worker failed while starting: ${error.message}`));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`${file}: worker exited with code ${code} while starting`));
    };
    worker.on('online', onOnline);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** Terminates a worker and waits until its thread is gone. */
export async function stopWorker(worker: Worker): Promise<void> {
  if (worker.threadId === -1) return; // already exited
  await worker.terminate();
}

/** Resolves with the next message `worker` posts, or rejects after `timeoutMs`. */
export function nextMessage(worker: Worker, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.off('message', onMessage);
      reject(new Error(`no message from worker within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      clearTimeout(timer);
      resolve(message);
    };
    worker.once('message', onMessage);
  });
}
