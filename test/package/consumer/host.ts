// Type-checked only (tsc --noEmit): the public types as a TypeScript host
// and a core user see them.
import { boot, BootError, type ExitStatus, type System } from 'caduceus';
import { bootKernel, Op, type SyscallResult } from 'caduceus/core';

const system: System = await boot({ init: new URL('./init.ts', import.meta.url), memory: 16 * 1024 * 1024, threads: 1 });
const status: ExitStatus = await system.exited;
const code: number = status.code;
await system.shutdown();

// @ts-expect-error init is a URL or a path, not a number
await boot({ init: 42 }).catch((error: unknown) => error instanceof BootError);

const { kernel, init } = bootKernel({ pages: 4096 });
const result: SyscallResult | null = kernel.invoke(init, { op: Op.Identify, cap: 0 });
export { code, result };
