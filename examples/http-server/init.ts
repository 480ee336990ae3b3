// http-server: HTTP/1.1 with keep-alive, answering JSON, for real clients
// (curl, fetch, autocannon).
//
//   npx caduceus run --net 127.0.0.1:8080 examples/http-server/init.ts -- [workers]
//   curl -d '{"name":"kettle"}' http://127.0.0.1:8080/items
//   curl http://127.0.0.1:8080/items/1
//
// The shape of resp-server: an acceptor task (the same program) takes each
// client as a Connection cap and moves it to one of the worker tasks (64 by
// default, one client each at a time); a data task holds the items and
// answers the workers' calls. It serves until the host stops it.

import { ObjectType as T, Rights, task, type BootInfo } from 'caduceus/task';

export default task(async (sys, boot: BootInfo) => {
  const say = (text: string) => sys.print(boot.console, text);
  if (boot.net === undefined || !boot.netAddresses?.length) {
    await say('http-server needs a Net cap: run it with --net 127.0.0.1:8080');
    return 2;
  }
  const addr = boot.netAddresses[0];
  const workers = Number(boot.argv[0] ?? 64);
  const mem = boot.memory[0].cap;
  const [M, C, HANDOFF, DATA, LISTENER] = [20, 21, 22, 23, 25];
  const conns = (workers + 1) * 4 + 1;
  await sys.alloc(mem, T.Memory, M, { size: 64 + workers * 2 + conns + 4 });
  await sys.alloc(M, T.Memory, C, { size: conns });
  await sys.alloc(M, T.Endpoint, HANDOFF, { count: 2 });
  const port = await sys.listen(boot.net, addr, M, LISTENER);
  let next = 100;
  const spawn = async (program: string, caps: Array<{ cap: number; rights?: number }>) => {
    const t = next;
    next += 2;
    await sys.alloc(M, T.Task, t);
    await sys.alloc(M, T.CSpace, t + 1, { size: 3 });
    for (const [i, c] of caps.entries()) await sys.copy({ cspace: t + 1, slot: i + 1 }, c.cap, { rights: c.rights });
    await sys.configure(t, { cspace: t + 1 });
    await sys.start(t, new URL(program, import.meta.url));
  };
  await spawn('./data.ts', [{ cap: DATA, rights: Rights.READ }]);
  for (let w = 0; w < workers; w++) await spawn('./worker.ts', [{ cap: HANDOFF, rights: Rights.READ }, { cap: DATA, rights: Rights.WRITE }]);
  await spawn('../resp-server/acceptor.ts', [{ cap: LISTENER, rights: Rights.READ }, { cap: C }, { cap: HANDOFF, rights: Rights.WRITE | Rights.GRANT }]);
  await say(`http-server listening on http://${addr.slice(0, addr.lastIndexOf(':'))}:${port}/ with ${workers} workers`);
  // Serve until the host stops the system: nothing ever signals this Notification.
  await sys.alloc(M, T.Notification, 26);
  await sys.wait(26);
  return 0;
});
