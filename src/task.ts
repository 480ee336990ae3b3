// The task-side entry point, `caduceus/task`: what a task's module imports.

export { task, type TaskFunction, type TaskProgram } from './workers/task.ts';
export type { Sys, CAddr, Dest, Message, Received, RecvOptions } from './workers/sys.ts';
export { TaskKilled } from './workers/runtime.ts';
export {
  PAGE_SIZE,
  MSG_MAX_BYTES,
  MSG_MAX_CAPS,
  MAX_REFERENCES,
  ObjectType,
  Rights,
  Errno,
  KernelError,
  objectPages,
  memoryOverheadPages,
  typeName,
  errnoName,
  type Identity,
} from './kernel/abi.ts';
export type { BootInfo } from './kernel/boot.ts';
