// A pooled task thread (a piscina worker): many tasks share it. A job is one
// task begun: it is over once the run has started, and the run's end is
// reported on the system's endings channel (endings.ts). The thread claims
// one of the pooled channels the first time it runs a task and keeps it for
// its life.

import { threadId, workerData } from 'node:worker_threads';
import { KernelBell } from '../ipc/channel.ts';
import type { PoolThreadData, TaskJob } from '../ipc/protocol.ts';
import { reportEndings } from './endings.ts';
import { currentTask, guardThread, runJob } from './run-task.ts';
import { claimChannel, ThreadRuntime } from './runtime.ts';
import { answerFlushes } from './stdio.ts';

const data = workerData as PoolThreadData;
const bell = new KernelBell(data.bell);
const placements = new Int32Array(data.placements);
let runtime: ThreadRuntime | undefined;
guardThread();
answerFlushes(data.flushChannel);
const ended = reportEndings(data.endingsChannel);
// A task's process.exit() ends the whole thread: say whose code called it,
// so that the faults of every task on the thread can name it.
process.on('exit', (code) => {
  const owner = currentTask.getStore();
  if (owner && runtime) runtime.channel.recordExit(owner.tid, code);
});

export default function runPooledTask(job: TaskJob): void {
  bell.jobsPosted(-1);
  // Take the job, unless the launcher cancelled it (its task was killed before any thread took it).
  if (job.placement !== undefined && Atomics.compareExchange(placements, job.placement, 0, threadId) !== 0) return;
  runtime ??= new ThreadRuntime(claimChannel(data.channels, threadId), bell);
  runJob(runtime, job, ended);
}
