// dma-contiguous: a fresh Memory cap gives physically contiguous Pages, the
// way a driver gets a DMA buffer. Mapped at consecutive addresses they can
// be viewed as one array; Pages from a fragmented area cannot.
//
//   npx caduceus run examples/dma-contiguous/init.ts

import { KernelError, ObjectType as T, task, type BootInfo } from 'caduceus/task';

const BUFFER = 0x1000_0000; // 256 MiB into init's virtual space
const PAGES = 8;

export default task(async (sys, boot: BootInfo) => {
  const say = (text: string) => sys.print(boot.console, text);
  const mem = boot.memory[0].cap;
  // Fragment the big area a little, as a long-running system would.
  await sys.alloc(mem, T.Page, 100, { count: 16 });
  await sys.destroy(101, 104, 109);
  // A fresh child area: its Pages come out in ascending, adjacent order.
  await sys.alloc(mem, T.Memory, 200, { size: PAGES + 1 });
  await sys.alloc(200, T.Page, 201, { count: PAGES });
  const phys: number[] = [];
  for (let i = 0; i < PAGES; i++) phys.push((await sys.identify(201 + i)).phys ?? 0);
  const adjacent = phys.every((p, i) => i === 0 || p === phys[i - 1] + 4096);
  await say(`${PAGES} Pages from a fresh child area at 0x${phys[0].toString(16)}..0x${(phys[PAGES - 1] + 4095).toString(16)}: ${adjacent ? 'physically contiguous' : 'NOT contiguous'}`);
  // Map them, one PageTable covering the buffer, and view the whole buffer at once.
  await sys.alloc(mem, T.PageTable, 300);
  await sys.map(300, boot.vspace, BUFFER);
  for (let i = 0; i < PAGES; i++) await sys.map(201 + i, boot.vspace, BUFFER + i * 4096, { write: true });
  const buffer = await sys.view(BUFFER, PAGES * 4096);
  for (let i = 0; i < buffer.length; i++) buffer[i] = i % 251;
  const check = await sys.read(BUFFER + 4090, 12); // across a page boundary
  await say(`one ${buffer.length}-byte view spans all ${PAGES} pages; bytes 4090..4101 read back as ${Array.from(check).join(',')}`);
  // Pages taken from the fragmented area land in its holes: not contiguous.
  await sys.alloc(mem, T.Page, 400, { count: 2 });
  await sys.map(400, boot.vspace, BUFFER + 0x10_0000, { write: true });
  await sys.map(401, boot.vspace, BUFFER + 0x10_1000, { write: true });
  const refused = await sys.view(BUFFER + 0x10_0000, 8192).then(() => 'allowed', (e: KernelError) => e.code);
  const a = (await sys.identify(400)).phys ?? 0;
  const b = (await sys.identify(401)).phys ?? 0;
  await say(`two Pages from the fragmented area at 0x${a.toString(16)} and 0x${b.toString(16)}: a view across them is ${refused}`);
  await sys.destroy(200, 300, 400, 401, ...Array.from({ length: 16 }, (_, i) => 100 + i));
  return adjacent && refused === 'EFAULT' && check[0] === 4090 % 251 ? 0 : 1;
});
