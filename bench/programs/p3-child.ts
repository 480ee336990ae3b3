// P3 child: waits for go on slot 1, makes `calls` identify calls, reports on slot 2.
import { task } from '../../src/task.ts';

export default task(async (sys, arg: { calls: number }) => {
  await sys.recv(1);
  for (let i = 0; i < arg.calls; i++) await sys.identify(0);
  await sys.send(2);
  return 0;
});
