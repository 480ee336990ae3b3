// A pooled task thread (a piscina worker): many tasks share it, each job one
// task run to its end. The thread claims one of the pooled channels the first
// time it runs a task and keeps it for its life.

import { threadId, workerData } from 'node:worker_threads';
import { KernelBell } from '../ipc/channel.ts';
import type { PoolThreadData, TaskJob } from '../ipc/protocol.ts';
import { guardThread, runJob } from './run-task.ts';
import { claimChannel, ThreadRuntime } from './runtime.ts';
import { answerFlushes } from './stdio.ts';

const data = workerData as PoolThreadData;
let runtime: ThreadRuntime | undefined;
guardThread();
answerFlushes(data.flushChannel);

export default async function runPooledTask(job: TaskJob): Promise<void> {
  runtime ??= new ThreadRuntime(claimChannel(data.channels, threadId), new KernelBell(data.bell), data.memory);
  await runJob(runtime, job);
}
