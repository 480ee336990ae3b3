// A ring of workers that hand Memory to each other. Init splits its Memory,
// gives each worker a share, a Console cap, an inbox, and write access to the
// next worker's CSpace; each worker carves objects from its share, passes a
// 50-page piece to the next worker, then spends what it was given. At the
// end init takes everything back and shows that every page came home.
//
// Run: npx caduceus run examples/handoff/init.ts   (npm start runs it)

import { memoryOverheadPages, ObjectType as T, Rights, task, type BootInfo } from 'caduceus/task';

const WORKERS = [
  { name: 'ada', thread: 'pool' },
  { name: 'bob', thread: 'pool' },
  { name: 'cyd', thread: 'dedicated' },
] as const;
const SHARE = 200;

export default task(async (sys, boot: BootInfo) => {
  const say = (text: string) => sys.print(boot.console, `init: ${text}`);
  const mem = boot.memory[0].cap;
  const before = await sys.freePages(mem);
  await say(`${boot.memory[0].pages} pages handed to me, ${memoryOverheadPages(boot.memory[0].pages)} of them metadata: ${before} free`);
  await sys.alloc(mem, T.Endpoint, 20); // reports come in here
  const slot = (i: number) => 100 + i * 10; // per worker: Task, CSpace, Memory, inbox
  for (let i = 0; i < WORKERS.length; i++) {
    const s = slot(i);
    await sys.alloc(mem, T.Task, s);
    await sys.alloc(mem, T.CSpace, s + 1, { size: 6 });
    await sys.alloc(mem, T.Memory, { cspace: s + 1, slot: 0 }, { size: SHARE });
    await sys.alloc(mem, T.Endpoint, s + 3);
    await sys.copy({ cspace: s + 1, slot: 1 }, 20, { badge: i + 1, rights: Rights.WRITE });
    await sys.copy({ cspace: s + 1, slot: 3 }, boot.console, { rights: Rights.WRITE });
    await sys.copy({ cspace: s + 1, slot: 4 }, s + 3, { rights: Rights.READ });
    await sys.configure(s, { cspace: s + 1 });
  }
  for (let i = 0; i < WORKERS.length; i++) {
    // Each may write into the next one's CSpace: that is how Memory moves on.
    await sys.copy({ cspace: slot(i) + 1, slot: 2 }, slot((i + 1) % WORKERS.length) + 1, { rights: Rights.WRITE });
  }
  const afterSplit = await sys.freePages(mem);
  await say(`split ${WORKERS.length} shares of ${SHARE} pages (each pays ${memoryOverheadPages(SHARE)} page of metadata); ${afterSplit} free here`);
  for (let i = 0; i < WORKERS.length; i++) {
    await sys.start(slot(i), new URL('./worker.ts', import.meta.url), { name: WORKERS[i].name }, { thread: WORKERS[i].thread });
  }
  for (let handed = 0; handed < WORKERS.length; handed++) await sys.recv(20);
  await say('every worker has handed a piece on; go');
  for (let i = 0; i < WORKERS.length; i++) await sys.send(slot(i) + 3, { label: 1 });
  for (let spent = 0; spent < WORKERS.length; spent++) await sys.recv(20);
  const reports = new Map<number, string>();
  for (let i = 0; i < WORKERS.length; i++) await sys.send(slot(i) + 3, { label: 2 });
  while (reports.size < WORKERS.length) {
    const msg = await sys.recv(20);
    reports.set(msg.badge, new TextDecoder().decode(msg.data));
  }
  for (const [badge, text] of [...reports].sort((a, b) => a[0] - b[0])) await say(`${WORKERS[badge - 1].name} finished: ${text}`);
  for (let i = 0; i < WORKERS.length; i++) await sys.destroy(slot(i), slot(i) + 1, slot(i) + 3);
  await sys.destroy(20);
  const after = await sys.freePages(mem);
  await say(`all taken back: ${after} free (${after === before ? 'every page came home' : `MISSING ${before - after}`})`);
  return after === before ? 0 : 1;
});
