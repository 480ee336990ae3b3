// The kernel core's public surface: the kernel thread and tests import this.

export * from './abi.ts';
export { Kernel, type Effect, type Fault, type Request, type SyscallResult } from './kernel.ts';
export { bootKernel, InitSlot, INIT_RADIX, type BootInfo, type BootedKernel, type CoreBootOptions } from './boot.ts';
export { TaskState, TASK_STATE_NAMES } from './tcb.ts';
export { ExitLabel } from './task.ts';
