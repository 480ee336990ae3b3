// P8: prints one line and ends.
import { task, type BootInfo } from '../../src/task.ts';

export default task(async (sys, boot: BootInfo) => {
  await sys.print(boot.console, 'first line');
  return 0;
});
