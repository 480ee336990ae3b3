// How a pooled thread tells the launcher that its tasks' runs have ended.
// A pooled job is over as soon as its thread has begun the task (so that
// piscina keeps nothing per live task on either side); the run's end comes
// later, on a BroadcastChannel of the system's, batched: the tids of all
// the runs that ended in one turn of the thread's event loop go as one
// message.

import { BroadcastChannel } from 'node:worker_threads';

/** Pooled thread: reports each run's end on channel `name`. Returns the function to call with a tid. */
export function reportEndings(name: string): (tid: number) => void {
  const channel = new BroadcastChannel(name);
  channel.unref();
  let batch: number[] = [];
  const post = () => {
    channel.postMessage(batch);
    batch = [];
  };
  return (tid) => {
    if (batch.length === 0) setImmediate(post);
    batch.push(tid);
  };
}

/** Kernel thread: calls `ended` with each tid the pooled threads report on channel `name`. Returns the channel, to close. */
export function hearEndings(name: string, ended: (tid: number) => void): BroadcastChannel {
  const channel = new BroadcastChannel(name);
  channel.unref();
  channel.onmessage = (event) => {
    for (const tid of (event as { data: number[] }).data) ended(tid);
  };
  return channel;
}
