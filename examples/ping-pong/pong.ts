// Answers every call on slot 1 with its label plus one: each answer and the
// wait for the next call are one replyRecv.
import { task } from 'caduceus/task';

export default task(async (sys) => {
  let ball = await sys.recv(1);
  while (ball.label !== 0xffffffff) ball = await sys.replyRecv(1, { label: (ball.label + 1) >>> 0 });
  await sys.reply({ label: 0 });
  return 0;
});
