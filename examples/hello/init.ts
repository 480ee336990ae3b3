// hello: a tour of the accounting. Every allocation's cost is predicted with
// objectPages and memoryOverheadPages, then checked against the kernel's
// free page count.
//
//   npx caduceus run examples/hello/init.ts

import { memoryOverheadPages, objectPages, ObjectType as T, task, typeName, type BootInfo } from 'caduceus/task';

export default task(async (sys, boot: BootInfo) => {
  const say = (text: string) => sys.print(boot.console, text);
  const mem = boot.memory[0].cap;
  const { pages } = boot.memory[0];
  let free = await sys.freePages(mem);
  await say(`hello from init: my Memory cap (slot ${mem}) covers ${pages} pages`);
  await say(`  its own metadata takes ${memoryOverheadPages(pages)} pages (64-byte header, a bitmap bit and a refcount byte per page): ${free} free`);
  let slot = boot.free.start;
  let mismatches = 0;
  const alloc = async (type: number, size?: number) => {
    await sys.alloc(mem, type, slot, { size });
    const cost = objectPages(type, size);
    const now = await sys.freePages(mem);
    const ok = now === free - cost;
    if (!ok) mismatches++;
    await say(`  ${typeName(type).padEnd(12)}${size === undefined ? '' : ` (size ${size})`} costs ${cost} page(s): ${free} -> ${now}${ok ? '' : '  MISMATCH'}`);
    free = now;
    return slot++;
  };
  for (const type of [T.Page, T.Endpoint, T.Notification, T.Task, T.VSpace, T.PageTable]) await alloc(type);
  for (const radix of [4, 8, 9, 12]) await alloc(T.CSpace, radix);
  const child = await alloc(T.Memory, 1000);
  const childFree = await sys.freePages(child);
  await say(`a split: the 1000-page child pays ${memoryOverheadPages(1000)} page of its own metadata, so it has ${childFree} free`);
  await sys.destroy(...Array.from({ length: slot - boot.free.start }, (_, i) => boot.free.start + i));
  const back = await sys.freePages(mem);
  await say(`everything destroyed: ${back} free again (${back === pages - memoryOverheadPages(pages) ? 'as at boot' : 'NOT as at boot'})`);
  return mismatches === 0 && childFree === 999 ? 0 : 1;
});
