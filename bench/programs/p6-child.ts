// P6 child: says hello on slot 1 and ends.
import { task } from '../../src/task.ts';

export default task(async (sys) => {
  await sys.send(1);
  return 0;
});
