// comlink over worker_threads, through the ES module build of comlink's own
// Node adapter (its declarations sit beside it as node-adapter.d.ts).

import type { Endpoint } from 'comlink';
import type { NodeEndpoint } from 'comlink/dist/esm/node-adapter.js';
// @ts-expect-error: the .mjs has no .d.mts of its own; its types are node-adapter.d.ts, applied below.
import adapter from 'comlink/dist/esm/node-adapter.mjs';

/** Turns a Worker or MessagePort into a comlink Endpoint. */
export const nodeEndpoint: (port: NodeEndpoint) => Endpoint = adapter;
