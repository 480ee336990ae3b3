// Where the thread entry modules are, and how threads start: next to this
// file, as `.ts` when the system runs from source (through tsx) and as `.js`
// when it runs compiled.

/** True when this copy of the system is the TypeScript sources, not dist/. */
// (tsx may add a query to module URLs, so look at the path alone.)
export const RUNNING_FROM_SOURCE = new URL(import.meta.url).pathname.endsWith('.ts');

/**
 * The export condition under which the package's own names (`caduceus`,
 * `caduceus/task`, `caduceus/core`) resolve to the sources instead of dist/.
 * package.json, tsconfig.json and vitest.config.ts name it too.
 */
export const SOURCE_CONDITION = 'caduceus-source';

/** The module every thread loads first. */
export const BOOTSTRAP = new URL('./bootstrap.mjs', import.meta.url.split('?')[0]);

/**
 * The Node options of every thread the system starts: the process's own, and,
 * when the system runs from source, the source condition, so that a task
 * program importing `caduceus/task` gets the same copy of the code as the
 * runtime that runs it (a compiled runtime leaves the name to resolve to dist/).
 */
export function threadExecArgv(): string[] {
  return RUNNING_FROM_SOURCE ? [...process.execArgv, `--conditions=${SOURCE_CONDITION}`] : [...process.execArgv];
}

export function threadEntry(name: 'pool-thread' | 'dedicated-thread'): string {
  return entryBeside(import.meta.url, name);
}

/** The entry of a module beside `base` (an import.meta.url), in the form the system runs. */
export function entryBeside(base: string, name: string): string {
  const url = new URL(base);
  const ts = url.pathname.endsWith('.ts');
  url.search = '';
  return new URL(`./${name}${ts ? '.ts' : '.js'}`, url).href;
}
