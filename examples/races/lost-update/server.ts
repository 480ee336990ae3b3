// Keeps a counter and serves calls on slot 1 (protocol.ts).
import { task } from 'caduceus/task';
import { Counter } from './protocol.ts';

export default task(async (sys) => {
  let value = 0;
  let call = await sys.recv(1);
  for (;;) {
    if (call.label === Counter.Stop) break;
    if (call.label === Counter.Set) value = new DataView(call.data.buffer, call.data.byteOffset).getUint32(0, true);
    else if (call.label === Counter.Add) value++;
    call = await sys.replyRecv(1, { label: value });
  }
  await sys.reply();
  return 0;
});
