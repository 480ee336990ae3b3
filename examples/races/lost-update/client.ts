// Adds one to the counter on slot 1: racy (read, then write), or fixed (one Add).
import { task } from 'caduceus/task';
import { Counter } from './protocol.ts';

export default task(async (sys, arg: { fixed: boolean }) => {
  if (arg.fixed) {
    await sys.call(1, { label: Counter.Add });
    return 0;
  }
  const { label: value } = await sys.call(1, { label: Counter.Get });
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, value + 1, true);
  await sys.call(1, { label: Counter.Set, data });
  return 0;
});
