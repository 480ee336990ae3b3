// P2/P4 server (dedicated thread): answers calls on slot 1 for ever.
// 'plain': recv, reply. 'copy': the call brings a copy of a Memory cap into
// slot 5, which the server drops after replying. 'move': the cap is moved
// in and moved back with the reply.
import { task } from '../../src/task.ts';

export default task(async (sys, arg: { mode: 'plain' | 'copy' | 'move' }) => {
  for (;;) {
    if (arg.mode === 'plain') {
      await sys.recv(1);
      await sys.reply();
    } else if (arg.mode === 'copy') {
      await sys.recv(1, { slots: [5] });
      await sys.reply();
      await sys.destroy(5);
    } else {
      await sys.recv(1, { slots: [5] });
      await sys.reply({ caps: [{ cap: 5, move: true }] });
    }
  }
});
