// P2/P4 server (dedicated thread): answers calls on slot 1 for ever, each
// answer and the wait for the next call one replyRecv.
// 'plain': nothing but the answer. 'copy': the call brings a copy of a
// Memory cap, which the server drops before answering. 'move': the cap is
// moved in and moved back with the answer; landing slots must be Null when
// replyRecv is made, so the server takes turns between slots 5 and 6.
import { task } from '../../src/task.ts';

export default task(async (sys, arg: { mode: 'plain' | 'copy' | 'move' }) => {
  if (arg.mode === 'plain') {
    await sys.recv(1);
    for (;;) await sys.replyRecv(1);
  } else if (arg.mode === 'copy') {
    await sys.recv(1, { slots: [5] });
    for (;;) {
      await sys.destroy(5);
      await sys.replyRecv(1, {}, { slots: [5] });
    }
  } else {
    let slot = 5;
    await sys.recv(1, { slots: [slot] });
    for (;;) {
      const next = slot === 5 ? 6 : 5;
      await sys.replyRecv(1, { caps: [{ cap: slot, move: true }] }, { slots: [next] });
      slot = next;
    }
  }
});
