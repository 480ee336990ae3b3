// A tour of the kernel core's accounting: boot a 64 MiB core, allocate
// objects, split Memory, watch the free page count at every step, and check
// the invariants at the end. Run: npx tsx examples/core-tour.ts.

import {
  bootKernel,
  errnoName,
  memoryOverheadPages,
  objectPages,
  ObjectType as T,
  Op,
  PAGE_SIZE,
  Rights,
  typeName,
  type Identity,
} from '../src/core.ts';

const MiB = 1024 * 1024;
const pages = (64 * MiB) / PAGE_SIZE;
const { kernel, init, bootInfo } = bootKernel({ pages });

function sys(request: Record<string, unknown>): unknown {
  const result = kernel.invoke(init, request);
  if (result === null) throw new Error(`${JSON.stringify(request)} blocked`);
  if (result.errno !== 0) throw new Error(`${JSON.stringify(request)} failed with ${errnoName(result.errno)}`);
  return result.value;
}
function attempt(request: Record<string, unknown>): string {
  const result = kernel.invoke(init, request);
  if (result === null) return 'BLOCKED';
  return result.errno === 0 ? 'OK' : (errnoName(result.errno) ?? String(result.errno));
}
const free = (cap: number) => sys({ op: Op.FreePages, cap }) as number;
const identify = (cap: number) => sys({ op: Op.Identify, cap }) as Identity;
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
const line = (text = '') => console.log(text);

const mem = bootInfo.memory[0];
line(`Caduceus core: ${pages} pages of physical memory (64 MiB)`);
line(`  root area metadata: ${memoryOverheadPages(pages)} pages; init's CSpace (radix 16) ${objectPages(T.CSpace, 16)}, Task 1, VSpace 1`);
line(`  init's Memory cap in slot ${mem.cap}: ${mem.pages} pages at ${hex(mem.phys)}, of which ${memoryOverheadPages(mem.pages)} metadata`);
let expected = free(mem.cap);
line(`  free pages: ${expected} (= ${mem.pages} - ${memoryOverheadPages(mem.pages)})`);
line();

line('Allocating one of each object type from the boot Memory:');
const plan: Array<[number, number?]> = [
  [T.Page], [T.Endpoint], [T.Notification], [T.Task], [T.VSpace], [T.PageTable], [T.CSpace, 10],
];
let slot = bootInfo.free.start;
for (const [type, size] of plan) {
  sys({ op: Op.Alloc, cap: mem.cap, type, size, dest: slot });
  expected -= objectPages(type, size);
  const id = identify(slot);
  const got = free(mem.cap);
  line(`  slot ${String(slot).padStart(3)}: ${typeName(type).padEnd(12)} ${id.pages} page(s) at ${hex(id.phys ?? 0)}  free ${got}${got === expected ? '' : '  MISMATCH'}`);
  slot++;
}
line();

line('Splitting Memory: a 1000-page child pays its own metadata');
const child = slot++;
sys({ op: Op.Alloc, cap: mem.cap, type: T.Memory, size: 1000, dest: child });
expected -= 1000;
line(`  child in slot ${child}: ${identify(child).pages} pages at ${hex(identify(child).phys ?? 0)}`);
line(`  child free: ${free(child)} (= 1000 - ${memoryOverheadPages(1000)} metadata); parent free: ${free(mem.cap)}`);
const dma = slot;
sys({ op: Op.Alloc, cap: child, type: T.Page, dest: dma, count: 8 });
const addrs = Array.from({ length: 8 }, (_, i) => identify(dma + i).phys ?? 0);
line(`  8 Pages from the fresh child are contiguous: ${addrs.map(hex).join(' ')}`);
slot += 8;
line();

line('References: a read-only copy, then copies up to the limit of 256');
const shared = slot++;
sys({ op: Op.Alloc, cap: mem.cap, type: T.Endpoint, dest: shared });
expected -= 1;
sys({ op: Op.Copy, cap: shared, dest: slot++, rights: Rights.READ });
while (identify(shared).refs !== 256) sys({ op: Op.Copy, cap: shared, dest: slot++ });
line(`  the Endpoint has ${identify(shared).refs} references; one more copy: ${attempt({ op: Op.Copy, cap: shared, dest: slot })}`);
line();

line('Fragmentation: free two Pages, then first fit reuses the lowest hole');
sys({ op: Op.Destroy, caps: [dma + 2, dma + 5] });
line(`  child free after destroying 2 Pages: ${free(child)}`);
sys({ op: Op.Alloc, cap: child, type: T.Page, dest: slot });
line(`  new Page lands at ${hex(identify(slot).phys ?? 0)} (the hole left by slot ${dma + 2})`);
sys({ op: Op.Alloc, cap: child, type: T.CSpace, size: 9, dest: slot + 1 });
line(`  a 2-page CSpace (radix 9) skips the 1-page hole at ${hex(addrs[5])}: it lands at ${hex(identify(slot + 1).phys ?? 0)}`);
line();

line('Revoke: destroying the child Memory destroys everything in it');
sys({ op: Op.Destroy, caps: [child] });
expected += 1000;
line(`  slot ${dma} now holds ${typeName(identify(dma).type)}; parent free: ${free(mem.cap)} (expected ${expected})`);
line();

const violations = kernel.check();
line(violations.length === 0 ? 'Invariants: all hold.' : `Invariants violated:\n  ${violations.join('\n  ')}`);
process.exitCode = violations.length === 0 && free(mem.cap) === expected ? 0 : 1;
