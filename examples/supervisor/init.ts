// supervisor: workers report their end on a fault Endpoint, each with its
// own badge; crashed workers are restarted (a new Task each time, as an
// exited Task cannot start again) up to a limit, and the supervisor prints
// what happened. The crashes are seeded, so every run is the same.
//
//   npx caduceus run examples/supervisor/init.ts -- 7

import { ObjectType as T, task, type BootInfo } from 'caduceus/task';

const WORKERS = 4;
const MAX_RESTARTS = 3;

export default task(async (sys, boot: BootInfo) => {
  const say = (text: string) => sys.print(boot.console, `supervisor: ${text}`);
  const seed = Number(boot.argv[0] ?? 7);
  const mem = boot.memory[0].cap;
  const atBoot = await sys.freePages(mem);
  await sys.alloc(mem, T.Endpoint, 20); // the fault Endpoint
  const attempts = new Array<number>(WORKERS).fill(0);
  const slotOf = (w: number) => 100 + w * 4;
  const launch = async (w: number) => {
    const s = slotOf(w);
    await sys.destroy(s, s + 1, s + 2); // the last attempt's Task, CSpace and badged cap, if any
    await sys.alloc(mem, T.Task, s);
    await sys.alloc(mem, T.CSpace, s + 1, { size: 2 });
    await sys.copy(s + 2, 20, { badge: w + 1 });
    await sys.copy({ cspace: s + 1, slot: 1 }, boot.console);
    await sys.configure(s, { cspace: s + 1, fault: s + 2 });
    attempts[w]++;
    const thread = w % 2 === 0 ? 'pool' : 'dedicated';
    await sys.start(s, new URL('./worker.ts', import.meta.url), { id: w, attempt: attempts[w], seed }, { thread });
  };
  for (let w = 0; w < WORKERS; w++) await launch(w);
  let running = WORKERS;
  let crashes = 0;
  while (running > 0) {
    const msg = await sys.recv(20);
    const w = msg.badge - 1;
    const { code, error } = JSON.parse(new TextDecoder().decode(msg.data)) as { code: number; error?: string };
    if (msg.label === 1) {
      await say(`worker ${w} finished (code ${code}) after ${attempts[w]} attempt(s)`);
      running--;
    } else if (attempts[w] <= MAX_RESTARTS) {
      crashes++;
      await say(`worker ${w} crashed (${error}); restarting, attempt ${attempts[w] + 1}`);
      await launch(w);
    } else {
      crashes++;
      await say(`worker ${w} crashed (${error}) ${attempts[w]} times: giving up`);
      running--;
    }
  }
  for (let w = 0; w < WORKERS; w++) await sys.destroy(slotOf(w), slotOf(w) + 1, slotOf(w) + 2);
  await sys.destroy(20);
  const end = await sys.freePages(mem);
  await say(`${crashes} crash(es) handled; ${end === atBoot ? 'every page back' : `${atBoot - end} pages missing`}`);
  return end === atBoot ? 0 : 1;
});
