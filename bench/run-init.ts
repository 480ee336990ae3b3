// Booting a system for one benchmark: the init programs of bench/programs,
// run to their end through the public API (`boot`), their result checked.

import { boot } from '../src/index.ts';

/**
 * With `caduceus bench --inspect`, every system a benchmark boots serves the
 * live inspector, which samples it as it would with a page open: a run with
 * and a run without give what watching costs.
 */
export const watching = { inspect: false };

/** True when the bench itself runs compiled (dist/bench), not from the TypeScript sources. */
export const compiled = !new URL(import.meta.url).pathname.endsWith('.ts');

/** A bench program: `.ts` from source, `.js` when the bench itself runs compiled. */
export const program = (name: string) => new URL(`./programs/${name}${compiled ? '.js' : '.ts'}`, import.meta.url.split('?')[0]);

/**
 * Boots a system with `init`, waits for init to end and returns what it
 * returned. Throws if init faulted, if it has not ended within `timeoutMs`
 * (when given), or if the invariants do not hold afterwards; the system is
 * shut down in every case.
 */
export async function runInit(init: URL, argv: string[], threads: number, timeoutMs?: number, memory?: number): Promise<unknown> {
  const system = await boot({ init, argv, threads, memory, console: () => {}, ...(watching.inspect ? { inspect: true as const } : {}) });
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      if (timeoutMs !== undefined) timer = setTimeout(() => reject(new Error(`${init.pathname} did not end within ${timeoutMs} ms`)), timeoutMs);
    });
    const status = await Promise.race([system.exited, late]);
    clearTimeout(timer);
    if (status.fault) throw new Error(`${init.pathname} failed: ${status.fault.name}: ${status.fault.message}`);
    const { ok, violations } = await system.check();
    if (!ok) throw new Error(`invariants violated after ${init.pathname}: ${violations.join('; ')}`);
    return status.value;
  } finally {
    clearTimeout(timer);
    await system.shutdown();
  }
}
