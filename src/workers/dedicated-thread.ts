// A dedicated task thread: one task at a time, alone, on a channel of its
// own. Once its task has ended and nothing the task left (a timer, a
// socket) keeps the thread busy, the thread offers itself to the launcher
// for the next dedicated task instead of ending, with its modules loaded
// and its code compiled; the launcher gives it one, or ends it
// (dedicated.ts).

import { parentPort, threadId, workerData } from 'node:worker_threads';
import { Channel, KernelBell } from '../ipc/channel.ts';
import type { DedicatedThreadData, DedicatedThreadMessage, TaskJob } from '../ipc/protocol.ts';
import { guardThread, runJob } from './run-task.ts';
import { ThreadRuntime } from './runtime.ts';
import { answerFlushes } from './stdio.ts';

const data = workerData as DedicatedThreadData;
const bell = new KernelBell(data.bell);
/** The task running now, until the kernel knows how it ended. */
let running: { tid: number; channel: Channel } | undefined;
/** The task that ran last. */
let last = 0;

function serve(job: TaskJob): void {
  const channelData = job.channel;
  if (!channelData) throw new Error('a dedicated thread needs a channel');
  const channel = new Channel(channelData.buffer, channelData.index);
  if (!channel.claim(threadId)) throw new Error(`channel ${channelData.index} is already owned`);
  running = { tid: job.tid, channel };
  last = job.tid;
  runJob(new ThreadRuntime(channel, bell), job, () => (running = undefined), true);
}

guardThread();
answerFlushes(data.flushChannel);
// The thread exiting before its task has told the kernel how it ended can
// only be the task's process.exit(): say so.
process.on('exit', (code) => running?.channel.recordExit(running.tid, code));
// The event loop has nothing left to do: the task is over (or, if it is
// still running, nothing can ever wake it, and the thread ends as it did).
process.on('beforeExit', () => {
  if (running || !parentPort) return;
  parentPort.once('message', (message: DedicatedThreadMessage) => {
    try {
      if (!('job' in message)) throw new Error('a spare dedicated thread was sent no job');
      serve(message.job);
    } catch (error) {
      // The launcher hears the exit and faults the task it sent.
      process.stderr.write(`caduceus: a spare dedicated thread could not take its next task: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(70);
    }
  });
  parentPort.postMessage({ idle: last } satisfies DedicatedThreadMessage);
});
serve(data.job);

export default undefined;
