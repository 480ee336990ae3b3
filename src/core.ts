// `caduceus/core`: the kernel core as a library, with no threads. A program
// boots a core, then makes system calls on behalf of init (or any task) with
// `kernel.invoke(task, request)`. Used by the core demo, tests and benchmarks,
// and by anyone who wants to model capability accounting without threads.

export * from './kernel/index.ts';
