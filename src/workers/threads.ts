// Where the thread entry modules are: next to this file, as `.ts` when the
// system runs from source (through tsx) and as `.js` when it runs compiled.

// (tsx may add a query to module URLs, so look at the path alone.)
const source = new URL(import.meta.url).pathname.endsWith('.ts');
const ext = source ? '.ts' : '.js';

/** The module every thread loads first. */
export const BOOTSTRAP = new URL('./bootstrap.mjs', import.meta.url.split('?')[0]);

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
