// The types of bundle.mjs, for the TypeScript that imports it.

/** The page's files by name: index.html, app.js, app.css. */
export function bundlePage(): Promise<Map<string, Buffer>>;
