// P9 client (pooled): slot 1 its badged cap to the kv service, slot 2 its own
// go Endpoint, slot 3 the done Endpoint. Each go message's label is the
// number of set + get pairs to make (STOP_ROUND: return); after them it sends
// done with the number of wrong answers as the label. Its pairs are numbered
// on from one round to the next, so every set writes a new value.
import { task } from 'caduceus/task';
import { KvOp, KvStatus, STOP_ROUND, keyIndex, valueFor } from './p9-protocol.ts';

const SERVICE = 1;
const GO = 2;
const DONE = 3;

export default task(async (sys, arg: { client: number }) => {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const get = new Uint8Array(1);
  let n = 0;
  for (;;) {
    const go = await sys.recv(GO);
    if (go.label === STOP_ROUND) return 0;
    let wrong = 0;
    for (let i = 0; i < go.label; i++, n++) {
      const value = valueFor(arg.client, n);
      const set = new Uint8Array(1 + 3 * value.length);
      set[0] = keyIndex(n);
      const { written } = encoder.encodeInto(value, set.subarray(1));
      const stored = await sys.call(SERVICE, { label: KvOp.Set, data: set.subarray(0, 1 + written) });
      if (stored.label !== KvStatus.Ok) wrong++;
      get[0] = keyIndex(n);
      const got = await sys.call(SERVICE, { label: KvOp.Get, data: get });
      if (got.label !== KvStatus.Ok || decoder.decode(got.data) !== value) wrong++;
    }
    await sys.send(DONE, { label: wrong });
  }
});
