// Worker side of B3: posts every message it receives straight back.

import { parentPort } from 'node:worker_threads';

parentPort.on('message', (message) => parentPort.postMessage(message));
