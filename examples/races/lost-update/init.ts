// lost-update: two clients each add one to a counter that a server keeps.
// The racy protocol reads the value and then writes it back plus one, as two
// calls: when both clients read before either writes, an update is lost.
// The fixed twin (`-- fixed`) asks the server to add one, in one call.
//
//   npx caduceus explore examples/races/lost-update/init.ts
//   npx caduceus explore examples/races/lost-update/init.ts -- fixed
import { ObjectType as T, task, type BootInfo } from 'caduceus/task';
import { Counter } from './protocol.ts';

export default task(async (sys, boot: BootInfo) => {
  const mem = boot.memory[0].cap;
  const fixed = boot.argv.includes('fixed');
  await sys.alloc(mem, T.Endpoint, 10); // the counter's
  await sys.alloc(mem, T.Endpoint, 11); // where init hears the clients end
  const spawn = async (slot: number, program: string, fault?: number) => {
    await sys.alloc(mem, T.Task, slot);
    await sys.alloc(mem, T.CSpace, slot + 1, { size: 2 });
    await sys.copy({ cspace: slot + 1, slot: 1 }, 10);
    await sys.configure(slot, { cspace: slot + 1, fault });
    await sys.start(slot, new URL(`./${program}.ts`, import.meta.url), { fixed });
  };
  await spawn(20, 'server');
  await spawn(30, 'client', 11);
  await spawn(40, 'client', 11);
  await sys.recv(11);
  await sys.recv(11);
  const { label: value } = await sys.call(10, { label: Counter.Get });
  await sys.call(10, { label: Counter.Stop });
  await sys.destroy(20, 21, 30, 31, 40, 41, 10, 11);
  if (value !== 2) throw new Error(`lost update: two increments left the counter at ${value}`);
  await sys.print(boot.console, `the counter is ${value}`);
  return 0;
});
