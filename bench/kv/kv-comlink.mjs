// Worker side of P9 over comlink: the kv store, exposed through comlink over
// the worker's parent port (comlink's Node adapter). Keys are numbers
// (p9-protocol.ts keyFor), values short strings; it counts what it served.

import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js';

const store = new Map();
let served = 0;

expose(
  {
    set(key, value) {
      store.set(key, value);
      served++;
      return true;
    },
    get(key) {
      served++;
      return store.get(key);
    },
    served() {
      return served;
    },
  },
  nodeEndpoint(parentPort),
);
