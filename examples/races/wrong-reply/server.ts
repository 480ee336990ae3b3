// Takes two calls on slot 1, storing each Reply cap, then answers both: each
// answer's label is the id of the client it is meant for.
import { task } from 'caduceus/task';

export default task(async (sys, arg: { fixed: boolean }) => {
  for (let k = 0; k < 2; k++) {
    const call = await sys.recv(1);
    // Racy: the k-th call is taken to be client k + 1's. Fixed: the badge says whose it is.
    const client = arg.fixed ? call.badge : k + 1;
    await sys.storeReply(10 + client);
  }
  await sys.send(11, { label: 1 });
  await sys.send(12, { label: 2 });
  return 0;
});
