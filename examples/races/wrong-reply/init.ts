// wrong-reply: a server takes two calls, stores each caller's Reply cap, and
// answers both later. The racy server assumes the first call is client 1's
// and answers it through the first stored Reply cap with client 1's answer:
// when client 2 calls first, each client gets the other's answer. The fixed
// twin (`-- fixed`) files each Reply cap by the badge of the caller's
// Endpoint cap, which says who called.
//
//   npx caduceus explore examples/races/wrong-reply/init.ts
//   npx caduceus explore examples/races/wrong-reply/init.ts -- fixed
import { ObjectType as T, task, type BootInfo } from 'caduceus/task';

export default task(async (sys, boot: BootInfo) => {
  const mem = boot.memory[0].cap;
  const fixed = boot.argv.includes('fixed');
  await sys.alloc(mem, T.Endpoint, 10); // the server's
  await sys.alloc(mem, T.Endpoint, 11); // where init hears the clients end
  const spawn = async (slot: number, program: string, badge: number, fault?: number) => {
    await sys.alloc(mem, T.Task, slot);
    await sys.alloc(mem, T.CSpace, slot + 1, { size: 4 });
    await sys.copy({ cspace: slot + 1, slot: 1 }, 10, { badge });
    await sys.configure(slot, { cspace: slot + 1, fault });
    await sys.start(slot, new URL(`./${program}.ts`, import.meta.url), { fixed, id: badge });
  };
  await spawn(20, 'server', 0);
  await spawn(30, 'client', 1, 11);
  await spawn(40, 'client', 2, 11);
  const failed: string[] = [];
  for (let i = 0; i < 2; i++) {
    const exit = JSON.parse(new TextDecoder().decode((await sys.recv(11)).data)) as { error?: string };
    if (exit.error) failed.push(exit.error);
  }
  await sys.destroy(20, 21, 30, 31, 40, 41, 10, 11);
  if (failed.length > 0) throw new Error(`a client got the wrong answer: ${failed.join('; ')}`);
  await sys.print(boot.console, 'each client got its own answer');
  return 0;
});
