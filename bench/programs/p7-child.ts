// P7 child: waits in recv on its group's Endpoint (slot 1), then ends.
import { task } from '../../src/task.ts';

export default task(async (sys) => {
  await sys.recv(1);
  return 0;
});
