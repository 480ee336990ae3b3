// Calls the server on slot 1 and checks that the answer is meant for it.
import { task } from 'caduceus/task';

export default task(async (sys, arg: { id: number }) => {
  const answer = await sys.call(1, { label: arg.id });
  if (answer.label !== arg.id) throw new Error(`client ${arg.id} got the answer for client ${answer.label}`);
  return 0;
});
