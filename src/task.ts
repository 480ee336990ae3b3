// The task-side entry point, `caduceus/task`: what a task's module imports.

export { task, type TaskFunction, type TaskProgram } from './workers/program.ts';
export type { Sys, CAddr, Dest, Message, Received, RecvOptions } from './workers/sys.ts';
export { TaskKilled } from './workers/runtime.ts';
export * from './constants.ts';
