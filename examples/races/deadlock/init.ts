// deadlock: two servers, each of which asks the other before it answers a
// client. A server asked by its peer answers at once. When both servers take
// a client's call before either has taken the other's question, each waits
// for the other: a deadlock, which controlled mode names task by task. The
// fixed twin (`-- fixed`) breaks the cycle: only server 1 asks server 2.
//
//   npx caduceus explore examples/races/deadlock/init.ts
//   npx caduceus explore examples/races/deadlock/init.ts -- fixed
import { ObjectType as T, task, type BootInfo } from 'caduceus/task';
import { Ask } from './protocol.ts';

export default task(async (sys, boot: BootInfo) => {
  const mem = boot.memory[0].cap;
  const fixed = boot.argv.includes('fixed');
  await sys.alloc(mem, T.Endpoint, 10, { count: 3 }); // 10, 11: the servers'; 12: where init hears the clients end
  const spawn = async (slot: number, program: string, own: number, peer: number, arg: unknown, fault?: number) => {
    await sys.alloc(mem, T.Task, slot);
    await sys.alloc(mem, T.CSpace, slot + 1, { size: 2 });
    await sys.copy({ cspace: slot + 1, slot: 1 }, own);
    await sys.copy({ cspace: slot + 1, slot: 2 }, peer);
    await sys.configure(slot, { cspace: slot + 1, fault });
    await sys.start(slot, new URL(`./${program}.ts`, import.meta.url), arg);
  };
  await spawn(20, 'server', 10, 11, { asksPeer: true });
  await spawn(30, 'server', 11, 10, { asksPeer: !fixed });
  await spawn(40, 'client', 10, 10, {}, 12);
  await spawn(50, 'client', 11, 11, {}, 12);
  await sys.recv(12);
  await sys.recv(12);
  await sys.call(10, { label: Ask.Stop });
  await sys.call(11, { label: Ask.Stop });
  await sys.destroy(20, 21, 30, 31, 40, 41, 50, 51, 10, 11, 12);
  await sys.print(boot.console, 'both clients were answered');
  return 0;
});
