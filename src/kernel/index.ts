// The kernel core's surface, as one import: the public `caduceus/core` entry
// (src/core.ts) re-exports it, and the core's tests import it.

export * from '../abi.ts';
export { Kernel, type Effect, type Fault, type Request, type SyscallResult } from './kernel.ts';
export type { DeadlockedTask } from './deadlock.ts';
export { bootKernel, InitSlot, INIT_RADIX, type BootedKernel, type CoreBootOptions } from './boot-kernel.ts';
export type { BootInfo } from '../abi.ts';
export { TaskState, TASK_STATE_NAMES } from './tcb.ts';
export { ExitLabel } from './task-object.ts';
