// kv-server: a key-value server on a dedicated thread and clients on the
// pool. Clients are told apart by the badges of their Endpoint caps; values
// of up to 4 KiB travel in Pages shared by each client and the server; a
// client WAITing for a key is answered later through a stored Reply cap.
// Init builds it all, prints the clients' throughput, and takes it all back.
//
//   npx caduceus run examples/kv-server/init.ts -- [clients] [ops per client] [keep]
//
// With 'keep' the world is left standing at the end, for
// `npx caduceus inspect --format mermaid examples/kv-server/init.ts -- 2 10 keep`.

import { ObjectType as T, task, type BootInfo } from 'caduceus/task';
import { decode, VALUE_ADDR } from './protocol.ts';

export default task(async (sys, boot: BootInfo) => {
  const say = (text: string) => sys.print(boot.console, text);
  const clients = Number(boot.argv[0] ?? 4);
  const ops = Number(boot.argv[1] ?? 1000);
  const mem = boot.memory[0].cap;
  const atBoot = await sys.freePages(mem);
  const M = 20; // everything comes from one Memory, revoked at the end
  await sys.alloc(mem, T.Memory, M, { size: 64 + clients * 8 });
  await sys.alloc(M, T.Endpoint, 21, { count: 3 }); // 21 the service, 22 reports, 23 the server's fault Endpoint
  // The server: its own VSpace with one PageTable covering every client's Page.
  const S = 30;
  await sys.alloc(M, T.Task, S);
  await sys.alloc(M, T.CSpace, S + 1, { size: 8 });
  await sys.alloc(M, T.VSpace, S + 2);
  await sys.alloc(M, T.PageTable, S + 3);
  await sys.map(S + 3, S + 2, VALUE_ADDR);
  await sys.copy({ cspace: S + 1, slot: 1 }, 21);
  // Each client (plus a watcher, client `clients`): Task, CSpace, VSpace, PageTable, shared Page.
  const all = clients + 1;
  for (let id = 1; id <= all; id++) {
    const c = 100 + id * 8;
    await sys.alloc(M, T.Task, c);
    await sys.alloc(M, T.CSpace, c + 1, { size: 2 });
    await sys.alloc(M, T.VSpace, c + 2);
    await sys.alloc(M, T.PageTable, c + 3);
    await sys.alloc(M, T.Page, c + 4);
    await sys.map(c + 3, c + 2, VALUE_ADDR);
    await sys.map(c + 4, c + 2, VALUE_ADDR, { write: true });
    await sys.map(c + 4, S + 2, VALUE_ADDR + id * 4096, { write: true });
    await sys.copy({ cspace: c + 1, slot: 1 }, 21, { badge: id });
    await sys.copy({ cspace: c + 1, slot: 2 }, 22);
    await sys.configure(c, { cspace: c + 1, vspace: c + 2 });
  }
  await sys.configure(S, { cspace: S + 1, vspace: S + 2, fault: 23 });
  await sys.start(S, new URL('./server.ts', import.meta.url), { clients: all }, { thread: 'dedicated' });
  const watcher = all;
  await sys.start(100 + watcher * 8, new URL('./client.ts', import.meta.url), { id: watcher, ops: 0, watch: 'announcement' });
  for (let id = 1; id <= clients; id++) {
    const announce = id === clients ? 'the last client says hello' : undefined;
    await sys.start(100 + id * 8, new URL('./client.ts', import.meta.url), { id, ops, announce });
  }
  let total = 0;
  let wrong = 0;
  let slowest = 0;
  for (let i = 0; i < all; i++) {
    const msg = await sys.recv(22);
    const r = decode<{ ops: number; ms: number; wrong: number; watched: string }>(msg.data);
    if (msg.label === watcher) {
      await say(`watcher: WAIT on "announcement" was answered later: "${r.watched}"`);
      continue;
    }
    total += r.ops;
    wrong += r.wrong;
    slowest = Math.max(slowest, r.ms);
    await say(`client ${msg.label}: ${r.ops} requests in ${r.ms.toFixed(0)} ms (${Math.round((r.ops / r.ms) * 1000)}/s), ${r.wrong} wrong values`);
  }
  const server = await sys.recv(23); // the server's exit message, once every client said stop
  const exit = decode<{ code: number }>(server.data);
  await say(`all clients: ${total} requests, ${Math.round((total / slowest) * 1000)}/s together, ${wrong} wrong values; the server exited with code ${exit.code}`);
  if (boot.argv[2] === 'keep') return wrong === 0 ? 0 : 1;
  await sys.destroy(M, 21, 22, 23);
  const end = await sys.freePages(mem);
  await say(`revoked everything: ${end === atBoot ? 'every page back' : `${atBoot - end} pages missing`}`);
  return wrong === 0 && end === atBoot ? 0 : 1;
});
