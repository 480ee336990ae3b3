// The layout of a Task object's page (docs/semantics.md §2 and §9): a control block in
// the first 1 KiB, the IPC buffer in the last 3 KiB.

import { PhysicalMemory } from './physical.ts';

export const TaskState = {
  Inactive: 0,
  Ready: 1,
  Blocked: 2,
  Suspended: 3,
  Exited: 4,
} as const;
export type TaskStateId = (typeof TaskState)[keyof typeof TaskState];

export const TASK_STATE_NAMES = ['inactive', 'ready', 'blocked', 'suspended', 'exited'] as const;

/** Word offsets of control block fields from the task page's first word. */
export const Tcb = {
  State: 0,
  /** Binding: first page of the task's CSpace (0 = unbound). */
  CSpace: 1,
  /** Binding: first page of the task's VSpace. */
  VSpace: 2,
  /** Binding: first page of the task's fault Endpoint. */
  Fault: 3,
  /** Badge of the fault Endpoint capability the binding was made from. */
  FaultBadge: 4,
  /** Exit code once exited. */
  ExitCode: 5,
} as const;

export const IPC_BUFFER_OFFSET = 1024;
export const IPC_BUFFER_BYTES = 3072;

/** Word index of a control block field of the task whose page is `task`. */
export function tcbWord(task: number, field: number): number {
  return PhysicalMemory.pageWord(task) + field;
}
