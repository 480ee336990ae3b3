// comlink over worker_threads: its Node adapter is a CommonJS module whose
// export is `{ default: nodeEndpoint }`, which ESM sees one level deeper.

import type { Endpoint } from 'comlink';
import adapter from 'comlink/dist/umd/node-adapter.js';

type NodeEndpointLike = Parameters<typeof import('comlink/dist/umd/node-adapter.js').default>[0];
type Adapter = (port: NodeEndpointLike) => Endpoint;

const loaded = adapter as unknown as Adapter | { default: Adapter };
/** Turns a Worker or MessagePort into a comlink Endpoint. */
export const nodeEndpoint: Adapter = typeof loaded === 'function' ? loaded : loaded.default;
