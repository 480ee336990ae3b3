// Answers every call on slot 1 with its label plus one.
import { task } from 'caduceus/task';

export default task(async (sys) => {
  for (;;) {
    const ball = await sys.recv(1);
    await sys.reply({ label: (ball.label + 1) >>> 0 });
    if (ball.label === 0xffffffff) return 0;
  }
});
