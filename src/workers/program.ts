// `task(fn)`: how a module declares the program a task runs. Its default
// export is what `sys.start` and `boot({ init })` run.

import type { Sys } from './sys.ts';

export type TaskFunction<A = unknown> = (sys: Sys, arg: A) => unknown;

const TASK = Symbol.for('caduceus.task');

export interface TaskProgram<A = unknown> {
  readonly [TASK]: TaskFunction<A>;
}

/** Declares a task program: `export default task(async (sys, arg) => { ... })`. */
export function task<A = unknown>(fn: TaskFunction<A>): TaskProgram<A> {
  if (typeof fn !== 'function') throw new TypeError('task() takes the async function the task runs');
  return { [TASK]: fn } as TaskProgram<A>;
}

/** The function of a module's default export, or null if it declares no task. */
export function taskFunction(exported: unknown): TaskFunction | null {
  if (typeof exported === 'object' && exported !== null && typeof (exported as TaskProgram)[TASK] === 'function') {
    return (exported as TaskProgram)[TASK];
  }
  return null;
}
