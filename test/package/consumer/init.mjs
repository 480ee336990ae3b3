// Allocates two Endpoints and a child, hands the child one Endpoint in a
// message, and exits with the label the child answers on it.
import { ObjectType as T, task } from 'caduceus/task';

export default task(async (sys, boot) => {
  const mem = boot.memory[0].cap;
  await sys.alloc(mem, T.Endpoint, 20, { count: 2 }); // 20: to the child; 21: the one handed over
  await sys.alloc(mem, T.Task, 22);
  await sys.alloc(mem, T.CSpace, 23, { size: 2 });
  await sys.copy({ cspace: 23, slot: 1 }, 20);
  await sys.configure(22, { cspace: 23 });
  await sys.start(22, new URL('./child.mjs', import.meta.url));
  await sys.send(20, { label: 6, caps: [21] });
  const answer = await sys.recv(21);
  await sys.print(boot.console, `init: the child answered ${answer.label}: ${new TextDecoder().decode(answer.data)}`);
  await sys.destroy(22, 23, 20, 21);
  return answer.label;
});
