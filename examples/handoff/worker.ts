// A worker of the handoff ring. Slots: 0 its Memory share, 1 init's report
// Endpoint, 2 the next worker's CSpace, 3 the Console, 4 its inbox; a piece
// of Memory from the previous worker lands in slot 8.

import { ObjectType as T, task } from 'caduceus/task';

export default task(async (sys, arg: { name: string }) => {
  const say = (text: string) => sys.print(3, `${arg.name}: ${text}`);
  const start = await sys.freePages(0);
  await sys.alloc(0, T.Page, 10, { count: 10 });
  await say(`my share has ${start} free pages; after 10 Pages, ${await sys.freePages(0)}`);
  await sys.alloc(0, T.Memory, 5, { size: 50 });
  await sys.move({ cspace: 2, slot: 8 }, 5);
  await say(`split off 50 pages and moved them to the next worker; ${await sys.freePages(0)} left`);
  await sys.send(1, { label: 1 });
  await sys.recv(4); // init says go: the previous worker's piece is in slot 8
  const gift = await sys.identify(8);
  await say(`received ${gift.pages} pages at 0x${(gift.phys ?? 0).toString(16)} with ${await sys.freePages(8)} free`);
  await sys.alloc(8, T.Endpoint, 30, { count: 4 });
  await say(`4 Endpoints later the gift has ${await sys.freePages(8)} free`);
  await sys.destroy(8, 30, 31, 32, 33, ...Array.from({ length: 10 }, (_, i) => 10 + i));
  await sys.send(1, { label: 2 });
  await sys.recv(4); // every gift is spent: our own share is whole again
  await sys.send(1, { label: 3, data: `share back to ${await sys.freePages(0)} free` });
  return 0;
});
