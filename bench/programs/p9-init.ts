// P9 over Caduceus: `clients` pooled client tasks (p9-client.ts) alternating
// set and get against a kv server task on a dedicated thread (p9-server.ts),
// each client told apart by the badge of its cap to the service. argv:
// clients, pairs per client in the timed round, pairs per client in the
// warm-up round before it. The round is timed from the first go to the last
// done. Returns the round's time, the wrong answers the clients counted, the
// requests the server says it served and whether every page came back.
import { ObjectType as T, task, type BootInfo } from 'caduceus/task';
import { KvOp, KvStatus, STOP_ROUND } from './p9-protocol.ts';
import { sibling } from './sibling.ts';

export interface P9InitResult {
  clients: number;
  pairs: number;
  ms: number;
  wrong: number;
  served: number;
  expected: number;
  pagesBack: boolean;
}

export default task(async (sys, boot: BootInfo): Promise<P9InitResult> => {
  const clients = Number(boot.argv[0] ?? 64);
  const pairs = Number(boot.argv[1] ?? 200);
  const warm = Number(boot.argv[2] ?? 50);
  if (!(clients >= 1 && clients <= 200 && pairs >= 1 && warm >= 1)) throw new RangeError(`p9-init: bad argv ${boot.argv.join(' ')}`);
  const mem = boot.memory[0].cap;
  const atBoot = await sys.freePages(mem);
  const SERVICE = 20;
  const DONE = 21;
  const SERVER = 22;
  const SERVER_CSPACE = 23;
  await sys.alloc(mem, T.Endpoint, SERVICE, { count: 2 });
  await sys.alloc(mem, T.Task, SERVER);
  await sys.alloc(mem, T.CSpace, SERVER_CSPACE, { size: 1 });
  await sys.copy({ cspace: SERVER_CSPACE, slot: 1 }, SERVICE);
  await sys.configure(SERVER, { cspace: SERVER_CSPACE });
  await sys.start(SERVER, sibling('p9-server', import.meta.url), undefined, { thread: 'dedicated' });
  // Client c (1..clients): Task, CSpace and its own go Endpoint, so that a
  // fast client cannot take a second go of the same round.
  const taskOf = (c: number) => 100 + 3 * c;
  const cspaceOf = (c: number) => taskOf(c) + 1;
  const goOf = (c: number) => taskOf(c) + 2;
  const client = sibling('p9-client', import.meta.url);
  const objects: number[] = [];
  for (let c = 1; c <= clients; c++) {
    await sys.alloc(mem, T.Task, taskOf(c));
    await sys.alloc(mem, T.CSpace, cspaceOf(c), { size: 2 });
    await sys.alloc(mem, T.Endpoint, goOf(c));
    await sys.copy({ cspace: cspaceOf(c), slot: 1 }, SERVICE, { badge: c });
    await sys.copy({ cspace: cspaceOf(c), slot: 2 }, goOf(c));
    await sys.copy({ cspace: cspaceOf(c), slot: 3 }, DONE);
    await sys.configure(taskOf(c), { cspace: cspaceOf(c) });
    await sys.start(taskOf(c), client, { client: c });
    objects.push(taskOf(c), cspaceOf(c), goOf(c));
  }
  const round = async (label: number): Promise<{ ms: number; wrong: number }> => {
    const t0 = performance.now();
    for (let c = 1; c <= clients; c++) await sys.send(goOf(c), { label });
    let wrong = 0;
    for (let c = 1; c <= clients; c++) wrong += (await sys.recv(DONE)).label;
    return { ms: performance.now() - t0, wrong };
  };
  const warmup = await round(warm);
  const timed = await round(pairs);
  for (let c = 1; c <= clients; c++) await sys.send(goOf(c), { label: STOP_ROUND });
  const answer = await sys.call(SERVICE, { label: KvOp.Served });
  if (answer.label !== KvStatus.Ok) throw new Error(`p9-init: the server answered Served with ${answer.label}`);
  const served = Number(new TextDecoder().decode(answer.data));
  await sys.destroy(SERVER, SERVER_CSPACE, ...objects, SERVICE, DONE);
  return {
    clients,
    pairs,
    ms: timed.ms,
    wrong: warmup.wrong + timed.wrong,
    served,
    expected: 2 * clients * (warm + pairs),
    pagesBack: (await sys.freePages(mem)) === atBoot,
  };
});
