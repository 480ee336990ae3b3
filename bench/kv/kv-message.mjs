// Worker side of P9 over raw postMessage: the kv store behind the worker's
// parent port. Every request is [id, op, key, value?] and is answered with
// [id, result], so that many clients can share the one port; op 1 set
// (result true), 2 get (the value, or undefined), 3 served (the count of sets
// and gets answered). Keep the ops in step with KvOp in p9-protocol.ts.

import { parentPort } from 'node:worker_threads';

const SET = 1;
const GET = 2;
const SERVED = 3;
const store = new Map();
let served = 0;

parentPort.on('message', (request) => {
  const [id, op, key, value] = request;
  let result;
  if (op === SET) {
    store.set(key, value);
    served++;
    result = true;
  } else if (op === GET) {
    served++;
    result = store.get(key);
  } else if (op === SERVED) {
    result = served;
  } else {
    result = null;
  }
  parentPort.postMessage([id, result]);
});
