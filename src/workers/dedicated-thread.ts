// A dedicated task thread: one task alone, on a channel of its own. The
// thread ends when the task has ended and nothing of its own keeps it alive.

import { threadId, workerData } from 'node:worker_threads';
import { Channel, KernelBell } from '../ipc/channel.ts';
import type { DedicatedThreadData } from '../ipc/protocol.ts';
import { guardThread, runJob } from './run-task.ts';
import { ThreadRuntime } from './runtime.ts';
import { answerFlushes } from './stdio.ts';

const data = workerData as DedicatedThreadData;
const channelData = data.job.channel;
if (!channelData) throw new Error('a dedicated thread needs a channel');
const channel = new Channel(channelData.buffer, channelData.index);
if (!channel.claim(threadId)) throw new Error(`channel ${channelData.index} is already owned`);
guardThread();
answerFlushes(data.flushChannel);
// The thread exiting before its task has told the kernel how it ended can
// only be the task's process.exit(): say so.
let ended = false;
process.on('exit', (code) => {
  if (!ended) channel.recordExit(data.job.tid, code);
});
await new Promise<unknown>((resolve) => runJob(new ThreadRuntime(channel, new KernelBell(data.bell)), data.job, resolve, true));
ended = true;

export default undefined;
