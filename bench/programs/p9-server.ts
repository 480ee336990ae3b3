// P9 server (dedicated thread): the kv store. Slot 1: the service Endpoint.
// The badge of the caller's cap says which client calls (0 is init); the
// message holds the key's index and the value (p9-protocol.ts). It counts
// the sets and gets it served and tells init on a Served call.
import { task, type Message } from 'caduceus/task';
import { KEYS, KvOp, KvStatus } from './p9-protocol.ts';

const SERVICE = 1;
const BAD_REQUEST = 400;

export default task(async (sys) => {
  const store = new Map<number, Uint8Array>();
  const ok: Message = { label: KvStatus.Ok };
  const missing: Message = { label: KvStatus.Missing };
  const bad: Message = { label: BAD_REQUEST };
  let served = 0;
  let msg = await sys.recv(SERVICE);
  for (;;) {
    let answer = bad;
    const index = msg.data.length > 0 ? msg.data[0] : KEYS;
    if (msg.label === KvOp.Set && index < KEYS) {
      store.set(msg.badge * KEYS + index, msg.data.subarray(1));
      served++;
      answer = ok;
    } else if (msg.label === KvOp.Get && index < KEYS && msg.data.length === 1) {
      const value = store.get(msg.badge * KEYS + index);
      served++;
      answer = value === undefined ? missing : { label: KvStatus.Ok, data: value };
    } else if (msg.label === KvOp.Served) {
      answer = { label: KvStatus.Ok, data: String(served) };
    }
    msg = await sys.replyRecv(SERVICE, answer); // one kernel entry per request
  }
});
