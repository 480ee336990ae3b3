// Serves slot 1. A client's question is answered after asking the peer on
// slot 2 (when `asksPeer`); a peer's question is answered at once.
import { task } from 'caduceus/task';
import { Ask } from './protocol.ts';

export default task(async (sys, arg: { asksPeer: boolean }) => {
  let call = await sys.recv(1);
  while (call.label !== Ask.Stop) {
    if (call.label === Ask.Client && arg.asksPeer) await sys.call(2, { label: Ask.Peer });
    call = await sys.replyRecv(1);
  }
  await sys.reply();
  return 0;
});
