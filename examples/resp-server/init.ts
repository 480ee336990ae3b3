// resp-server: a key-value server that speaks the Redis protocol (RESP2) to
// real clients, such as redis-cli, redis-benchmark and ioredis.
//
//   npx caduceus run --net 127.0.0.1:6380 examples/resp-server/init.ts -- [workers]
//   redis-cli -p 6380 set greeting hello
//
// Init listens on the first address the Net cap grants and builds the
// server: an acceptor task that takes each client as a Connection cap and
// moves it to one of the worker tasks (64 by default: each serves one
// client at a time), and a store task that holds the data and answers the
// workers' calls. A command travels to the store in one IPC message, so
// one of more than 2 KiB (a long value) is answered with an error. A
// client's SHUTDOWN ends it all: init destroys the one Memory everything
// came from, and reports whether every page came back.

import { ObjectType as T, Rights, task, type BootInfo } from 'caduceus/task';

export default task(async (sys, boot: BootInfo) => {
  const say = (text: string) => sys.print(boot.console, text);
  if (boot.net === undefined || !boot.netAddresses?.length) {
    await say('resp-server needs a Net cap: run it with --net 127.0.0.1:6380');
    return 2;
  }
  const addr = boot.netAddresses[0];
  const workers = Number(boot.argv[0] ?? 64);
  const mem = boot.memory[0].cap;
  const atBoot = await sys.freePages(mem);
  // One Memory for the whole server (tasks, Endpoints, the Listener), and a
  // child of it for the Connections: 4 pages each, one per worker and one
  // in the acceptor's hands.
  const M = 20;
  const C = 21;
  const conns = (workers + 1) * 4 + 1;
  await sys.alloc(mem, T.Memory, M, { size: 64 + workers * 2 + conns + 4 });
  await sys.alloc(M, T.Memory, C, { size: conns });
  const [HANDOFF, STORE, CONTROL, LISTENER] = [22, 23, 24, 25];
  await sys.alloc(M, T.Endpoint, HANDOFF, { count: 3 });
  const port = await sys.listen(boot.net, addr, M, LISTENER);

  /** A task with a radix-3 CSpace holding `caps` at slots 1, 2, ...; started on the pool. */
  let next = 100;
  const spawn = async (program: string, caps: Array<{ cap: number; rights?: number; badge?: number }>) => {
    const t = next;
    next += 2;
    await sys.alloc(M, T.Task, t);
    await sys.alloc(M, T.CSpace, t + 1, { size: 3 });
    for (const [i, c] of caps.entries()) await sys.copy({ cspace: t + 1, slot: i + 1 }, c.cap, { rights: c.rights, badge: c.badge });
    await sys.configure(t, { cspace: t + 1 });
    await sys.start(t, new URL(program, import.meta.url));
  };
  await spawn('./store.ts', [{ cap: STORE, rights: Rights.READ }, { cap: CONTROL, rights: Rights.WRITE }]);
  for (let w = 1; w <= workers; w++) {
    await spawn('./worker.ts', [{ cap: HANDOFF, rights: Rights.READ }, { cap: STORE, rights: Rights.WRITE, badge: w }]);
  }
  await spawn('./acceptor.ts', [{ cap: LISTENER, rights: Rights.READ }, { cap: C }, { cap: HANDOFF, rights: Rights.WRITE | Rights.GRANT }]);
  await say(`resp-server listening on ${addr.slice(0, addr.lastIndexOf(':'))}:${port} with ${workers} workers`);

  await sys.recv(CONTROL); // a client said SHUTDOWN
  await sys.destroy(M);
  const end = await sys.freePages(mem);
  await say(`resp-server: shut down, ${end === atBoot ? 'every page back' : `${atBoot - end} pages missing`}`);
  return end === atBoot ? 0 : 1;
});
