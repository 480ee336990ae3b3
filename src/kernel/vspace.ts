// Address spaces (docs/semantics.md §10). Two levels over a 32-bit virtual space: a
// VSpace page holds 1024 entries naming PageTables (4 MiB each), a PageTable
// page 1024 entries naming Pages (4 KiB each). An entry is the first page of
// the object it maps, with bit 31 set on a writable Page mapping; 0 is empty.
// Every mapping is a binding, so it counts as a reference (docs/semantics.md §4).

import { Errno, ObjectType, PAGE_SIZE, physOf, Rights } from '../abi.ts';
import type { Core, Failure } from './state.ts';
import { invoked, lookup } from './cspace.ts';
import { OBJECT_MASK } from './lifetime.ts';
import { PhysicalMemory } from './physical.ts';
import { Tcb, tcbWord } from './tcb.ts';

const WRITABLE = 0x80000000;
const TABLE_SPAN = 1 << 22;

function isVaddr(value: unknown, align: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff && value % align === 0;
}

/** Word index of entry `i` of the table (VSpace or PageTable) at `page`. */
function entry(page: number, i: number): number {
  return PhysicalMemory.pageWord(page) + i;
}

interface MapPlan {
  type: number;
  object: number;
  word: number;
  writable: boolean;
}

/** map(pageTable, vspace, vaddr) and map(page, vspace, vaddr, { write }). */
export function decodeMap(core: Core, task: number, req: Record<string, unknown>): MapPlan | Failure {
  const slots = core.slots;
  const cap = lookup(core, task, req.cap);
  if (cap === 0 || slots.type(cap) === ObjectType.Null) return Errno.EBADF;
  const type = slots.type(cap);
  if (type !== ObjectType.Page && type !== ObjectType.PageTable) return Errno.ENOTSUP;
  const write = req.write;
  const writable = write === true;
  const needed = Rights.READ | (writable ? Rights.WRITE : 0);
  if ((slots.rights(cap) & needed) !== needed) return Errno.EPERM;
  const vs = lookup(core, task, req.vspace);
  if (vs === 0 || slots.type(vs) !== ObjectType.VSpace) return Errno.EBADF;
  if ((slots.rights(vs) & Rights.WRITE) === 0) return Errno.EPERM;
  if (write !== undefined && typeof write !== 'boolean') return Errno.EINVAL;
  const vaddr = req.vaddr;
  const object = slots.object(cap);
  const vspace = slots.object(vs);
  const words = core.phys.words;
  if (type === ObjectType.PageTable) {
    if (!isVaddr(vaddr, TABLE_SPAN) || writable) return Errno.EINVAL;
    const word = entry(vspace, vaddr >>> 22);
    if (words[word] !== 0) return Errno.EEXIST;
    if (!core.life.hasRoom(type, object)) return Errno.ERANGE;
    return { type, object, word, writable: false };
  }
  if (!isVaddr(vaddr, PAGE_SIZE)) return Errno.EINVAL;
  const table = words[entry(vspace, vaddr >>> 22)];
  if (table === 0) return Errno.ENOENT;
  const word = entry(table, (vaddr >>> 12) & 1023);
  if (words[word] !== 0) return Errno.EEXIST;
  if (!core.life.hasRoom(type, object)) return Errno.ERANGE;
  return { type, object, word, writable };
}

export function performMap(core: Core, plan: MapPlan): void {
  core.life.bind(plan.type, plan.object, plan.word);
  if (plan.writable) core.phys.words[plan.word] |= WRITABLE;
}

/** unmap(vspace, vaddr): the Page mapped at vaddr, else the PageTable mapped there. */
export function decodeUnmap(core: Core, task: number, req: Record<string, unknown>): { word: number } | Failure {
  const slots = core.slots;
  const cap = invoked(core, task, req.cap, ObjectType.VSpace, Rights.WRITE);
  if (cap < 0) return -cap;
  const vaddr = req.vaddr;
  if (!isVaddr(vaddr, PAGE_SIZE)) return Errno.EINVAL;
  const words = core.phys.words;
  const top = entry(slots.object(cap), vaddr >>> 22);
  const table = words[top];
  if (table !== 0) {
    const word = entry(table, (vaddr >>> 12) & 1023);
    if (words[word] !== 0) return { word };
    if (vaddr % TABLE_SPAN === 0) return { word: top };
  }
  return Errno.EFAULT;
}

export function performUnmap(core: Core, plan: { word: number }): void {
  core.life.unbind(plan.word);
}

/** A dying VSpace or PageTable drops every mapping it holds. */
export function teardownTable(core: Core, page: number): void {
  for (let i = 0; i < 1024; i++) core.life.unbind(entry(page, i));
}

/** One physically contiguous piece of a virtual range. */
interface Piece {
  phys: number;
  length: number;
}

/**
 * The physical pieces of [vaddr, vaddr + n) in the task's own VSpace, one per
 * page: EINVAL if n is not 0..max, EFAULT if any page is unmapped (or the
 * task has no VSpace), EPERM if `write` and any page is mapped read-only.
 */
export function translate(core: Core, task: number, vaddr: unknown, n: unknown, write: boolean, max: number): Piece[] | Failure {
  if (!isVaddr(vaddr, 1) || typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) return Errno.EINVAL;
  if (vaddr + n > 2 ** 32) return Errno.EFAULT;
  const words = core.phys.words;
  const vspace = words[tcbWord(task, Tcb.VSpace)];
  const pieces: Piece[] = [];
  for (let at = vaddr; at < vaddr + n; ) {
    const table = vspace === 0 ? 0 : words[entry(vspace, at >>> 22)];
    const mapped = table === 0 ? 0 : words[entry(table, (at >>> 12) & 1023)];
    if (mapped === 0) return Errno.EFAULT;
    if (write && (mapped & WRITABLE) === 0) return Errno.EPERM;
    const offset = at % PAGE_SIZE;
    const length = Math.min(PAGE_SIZE - offset, vaddr + n - at);
    pieces.push({ phys: physOf(mapped & OBJECT_MASK) + offset, length });
    at += length;
  }
  return pieces;
}

export function readPieces(core: Core, pieces: Piece[]): Uint8Array {
  const total = pieces.reduce((sum, p) => sum + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(core.phys.bytes.subarray(p.phys, p.phys + p.length), at);
    at += p.length;
  }
  return out;
}

export function writePieces(core: Core, pieces: Piece[], bytes: Uint8Array): void {
  let at = 0;
  for (const p of pieces) {
    core.phys.bytes.set(bytes.subarray(at, at + p.length), p.phys);
    at += p.length;
  }
}

/** view(vaddr, n): where the range lies, if it lies in physically contiguous pages. */
export function contiguous(pieces: Piece[]): { phys: number; length: number } | Failure {
  if (pieces.length === 0) return { phys: 0, length: 0 };
  for (let i = 1; i < pieces.length; i++) {
    if (pieces[i].phys !== pieces[i - 1].phys + pieces[i - 1].length) return Errno.EFAULT;
  }
  return { phys: pieces[0].phys, length: pieces.reduce((sum, p) => sum + p.length, 0) };
}
