// Flushing task threads' stdout and stderr. A worker thread's process.stdout
// posts its chunks to the parent thread (task thread -> kernel thread ->
// host), and terminating a thread, or the system ending, drops what is
// still in flight. The parent acknowledges each chunk once it has taken it,
// and a write's callback runs only then, so waiting for the callback of an
// empty write flushes everything written before it.
//
// Task threads flush before a task tells the kernel it exits. When threads
// are about to be terminated (a kill, the system's shutdown), the kernel
// thread asks them on a BroadcastChannel to flush and waits, for a bounded
// time, for each to answer.

import { BroadcastChannel, threadId, type Worker } from 'node:worker_threads';

function flushStream(stream: NodeJS.WritableStream & { writableLength: number }): Promise<void> {
  if (stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Resolves once everything this thread wrote to stdout and stderr has reached its parent thread. */
export function flushStdio(): Promise<void> {
  return Promise.all([flushStream(process.stdout), flushStream(process.stderr)]).then(() => {});
}

/** What goes on a system's flush channel. */
type FlushMessage = { flush: 'all' | number } | { flushed: number };

/** Task thread: answers the kernel thread's flush requests on channel `name` (never keeping the thread alive). */
export function answerFlushes(name: string): void {
  const channel = new BroadcastChannel(name);
  channel.unref();
  channel.onmessage = (event) => {
    const message = (event as { data: FlushMessage }).data;
    if (!('flush' in message) || (message.flush !== 'all' && message.flush !== threadId)) return;
    void flushStdio().then(() => channel.postMessage({ flushed: threadId } satisfies FlushMessage));
  };
}

/**
 * Kernel thread: asks the task threads `workers` to flush and resolves when
 * each has answered or exited, or after `timeoutMs` (a thread whose event
 * loop is blocked cannot answer), with those that did neither. An answer
 * also shows that the thread's event loop runs.
 */
export function flushThreads(name: string, workers: Worker[], timeoutMs: number): Promise<Worker[]> {
  /** The threads yet to answer, by id, with their exit listeners. */
  const waiting = new Map<number, { worker: Worker; exited: () => void }>();
  const live = workers.filter((w) => w.threadId >= 0);
  if (live.length === 0) return Promise.resolve([]);
  const channel = new BroadcastChannel(name);
  return new Promise<Worker[]>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      const silent = [...waiting.values()].map(({ worker, exited }) => {
        worker.off('exit', exited);
        return worker;
      });
      waiting.clear();
      channel.close();
      resolve(silent);
    };
    const answered = (id: number) => {
      const thread = waiting.get(id);
      if (!thread) return;
      thread.worker.off('exit', thread.exited);
      waiting.delete(id);
      if (waiting.size === 0) done();
    };
    for (const worker of live) {
      const id = worker.threadId;
      const exited = () => answered(id);
      waiting.set(id, { worker, exited });
      worker.once('exit', exited);
    }
    const timer = setTimeout(done, timeoutMs);
    channel.onmessage = (event) => {
      const message = (event as { data: FlushMessage }).data;
      if ('flushed' in message) answered(message.flushed);
    };
    channel.postMessage({ flush: live.length === 1 ? live[0].threadId : 'all' } satisfies FlushMessage);
  });
}
