// P9's key-value workload, the same over Caduceus, comlink and raw
// postMessage (bench/kv/). Each client alternates set and get: its n-th pair
// sets key (client, n mod KEYS) to valueFor(client, n), then gets that key
// back and checks it is that value. Only the client writes its own keys, so
// a get must return exactly what the same client set just before.
//
// Over Caduceus the server tells clients apart by the badge of their
// Endpoint cap and the message carries only the key's index and the value
// (label = the operation, data = [index, ...UTF-8 value] for a set, [index]
// for a get); over comlink and postMessage the key carries the client:
// keyFor(client, n) = client * KEYS + n mod KEYS, the same number the
// Caduceus server computes from badge and index.

/** Keys per client. */
export const KEYS = 16;

/** Request labels over Caduceus. */
export const KvOp = { Set: 1, Get: 2, Served: 3 } as const;
/** Answer labels over Caduceus. */
export const KvStatus = { Ok: 0, Missing: 404 } as const;
/** The go label that ends a client instead of starting a round. */
export const STOP_ROUND = 0;

/** The key's index among its client's keys for the n-th pair. */
export const keyIndex = (n: number) => n % KEYS;

/** The key of the n-th pair of `client`, as one number. */
export const keyFor = (client: number, n: number) => client * KEYS + keyIndex(n);

/** The value the n-th pair of `client` sets: a short string naming both. */
export const valueFor = (client: number, n: number) => `v${client}.${n}`;
