// The URL of another bench program in this folder, for sys.start: `.ts` when
// the bench runs from source, `.js` when it runs compiled (dist/bench), where
// there is no `.ts` to start.

/** `name` beside the module whose `import.meta.url` is `base`, with the same extension. */
export function sibling(name: string, base: string): URL {
  const ext = new URL(base).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
