// ping-pong: two tasks on two threads bounce a message; ping times each
// round trip (call + reply through the kernel) and init prints the figures.
//
//   npx caduceus run examples/ping-pong/init.ts -- 10000

import { ObjectType as T, task, type BootInfo } from 'caduceus/task';

export default task(async (sys, boot: BootInfo) => {
  const rounds = Number(boot.argv[0] ?? 5000);
  const mem = boot.memory[0].cap;
  await sys.alloc(mem, T.Endpoint, 20, { count: 2 }); // 20: the ball, 21: ping's report
  const spawn = async (slot: number, program: string, thread: 'pool' | 'dedicated') => {
    await sys.alloc(mem, T.Task, slot);
    await sys.alloc(mem, T.CSpace, slot + 1, { size: 2 });
    await sys.copy({ cspace: slot + 1, slot: 1 }, 20);
    await sys.copy({ cspace: slot + 1, slot: 2 }, 21);
    await sys.configure(slot, { cspace: slot + 1 });
    await sys.start(slot, new URL(`./${program}.ts`, import.meta.url), { rounds }, { thread });
  };
  await spawn(30, 'pong', 'dedicated');
  await spawn(40, 'ping', 'pool');
  const report = JSON.parse(new TextDecoder().decode((await sys.recv(21)).data)) as Record<string, number>;
  const us = (key: string) => `${report[key].toFixed(1)} µs`;
  await sys.print(boot.console, `${report.rounds} round trips (call + reply) between a pooled and a dedicated thread`);
  await sys.print(boot.console, `  min ${us('min')}, median ${us('median')}, p99 ${us('p99')}, max ${us('max')}`);
  await sys.destroy(30, 31, 40, 41, 20, 21);
  return 0;
});
