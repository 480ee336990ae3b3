// Asks its server on slot 1 once.
import { task } from 'caduceus/task';
import { Ask } from './protocol.ts';

export default task(async (sys) => {
  await sys.call(1, { label: Ask.Client });
  return 0;
});
