// Worker side of B4: exposes echo(x) => x through comlink over the worker's
// parent port (comlink's Node adapter).

import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js';

expose({ echo: (x) => x }, nodeEndpoint(parentPort));
