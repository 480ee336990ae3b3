// Address spaces in the core (docs/semantics.md §10): mapping, references, and a
// task's reads and writes of its own memory.

import { describe, expect, it } from 'vitest';
import { ObjectType as T, Op, PAGE_SIZE, Rights } from '../../src/kernel/index.ts';
import { coreSystem } from './harness.ts';

const MiB4 = 4 * 1024 * 1024;

function world() {
  const sys = coreSystem({ pages: 8192 });
  expect(sys.alloc(16, T.PageTable, 100)).toBe('OK');
  expect(sys.alloc(16, T.Page, 110, { count: 4 })).toBe('OK');
  return sys;
}

describe('map and unmap', () => {
  it('maps a PageTable then Pages, each mapping a reference', () => {
    const sys = world();
    expect(sys.errno(Op.Map, { cap: 110, vspace: 1, vaddr: 0x1000 })).toBe('ENOENT');
    expect(sys.errno(Op.Map, { cap: 100, vspace: 1, vaddr: 0x1000 })).toBe('EINVAL'); // not 4 MiB aligned
    expect(sys.errno(Op.Map, { cap: 100, vspace: 1, vaddr: MiB4 })).toBe('OK');
    expect(sys.errno(Op.Map, { cap: 100, vspace: 1, vaddr: MiB4 })).toBe('EEXIST');
    expect(sys.identify(100).refs).toBe(2);
    expect(sys.errno(Op.Map, { cap: 110, vspace: 1, vaddr: MiB4 + 0x1001 })).toBe('EINVAL');
    expect(sys.errno(Op.Map, { cap: 110, vspace: 1, vaddr: MiB4 + 0x1000, write: true })).toBe('OK');
    expect(sys.errno(Op.Map, { cap: 111, vspace: 1, vaddr: MiB4 + 0x1000 })).toBe('EEXIST');
    expect(sys.identify(110).refs).toBe(2);
    expect(sys.copy(120, 111, { rights: Rights.READ })).toBe('OK');
    expect(sys.errno(Op.Map, { cap: 120, vspace: 1, vaddr: MiB4 + 0x2000, write: true })).toBe('EPERM');
    expect(sys.errno(Op.Map, { cap: 120, vspace: 1, vaddr: MiB4 + 0x2000 })).toBe('OK');
    expect(sys.errno(Op.Map, { cap: 16, vspace: 1, vaddr: 0 })).toBe('ENOTSUP');
    expect(sys.errno(Op.Map, { cap: 110, vspace: 110, vaddr: 0 })).toBe('EBADF');
    sys.clean();
    expect(sys.errno(Op.Unmap, { cap: 1, vaddr: MiB4 + 0x1000 })).toBe('OK');
    expect(sys.identify(110).refs).toBe(1);
    expect(sys.errno(Op.Unmap, { cap: 1, vaddr: MiB4 + 0x1000 })).toBe('EFAULT');
    expect(sys.errno(Op.Unmap, { cap: 1, vaddr: MiB4 })).toBe('OK'); // no Page at vaddr: the PageTable goes
    expect(sys.identify(100).refs).toBe(1);
    sys.clean();
  });

  it('a Page mapped into 256 VSpaces: the next mapping is ERANGE', () => {
    const sys = coreSystem({ pages: 8192 });
    expect(sys.alloc(16, T.Page, 100)).toBe('OK');
    expect(sys.alloc(16, T.VSpace, 1000, { count: 256 })).toBe('OK');
    expect(sys.alloc(16, T.PageTable, 2000, { count: 256 })).toBe('OK');
    for (let i = 0; i < 256; i++) expect(sys.errno(Op.Map, { cap: 2000 + i, vspace: 1000 + i, vaddr: 0 })).toBe('OK');
    for (let i = 0; i < 255; i++) expect(sys.errno(Op.Map, { cap: 100, vspace: 1000 + i, vaddr: 0 })).toBe('OK');
    expect(sys.identify(100).refs).toBe(256);
    expect(sys.errno(Op.Map, { cap: 100, vspace: 1255, vaddr: 0 })).toBe('ERANGE');
    sys.clean();
    // Its mappings keep the Page alive after its last cap goes; the PageTables'
    // death drops them. Destroying the VSpaces drops their PageTable mappings.
    const free = sys.free(16);
    expect(sys.destroy(100)).toBe('OK');
    expect(sys.destroy(...Array.from({ length: 256 }, (_, i) => 1000 + i))).toBe('OK');
    expect(sys.identify(2000).refs).toBe(1);
    expect(sys.free(16)).toBe(free + 256);
    sys.clean();
    expect(sys.destroy(...Array.from({ length: 256 }, (_, i) => 2000 + i))).toBe('OK');
    expect(sys.free(16)).toBe(free + 256 + 256 + 1);
    sys.clean();
  });
});

describe('read, write and view', () => {
  function mapped() {
    const sys = world();
    expect(sys.errno(Op.Map, { cap: 100, vspace: 1, vaddr: 0 })).toBe('OK');
    // Pages 110, 111 writable at 0x1000, 0x2000; 112 read-only at 0x3000; 113 (not adjacent) at 0x5000.
    for (const [cap, vaddr, write] of [[110, 0x1000, true], [111, 0x2000, true], [112, 0x3000, false], [113, 0x5000, true]] as const) {
      expect(sys.errno(Op.Map, { cap, vspace: 1, vaddr, write })).toBe('OK');
    }
    return sys;
  }

  it('copies across page boundaries, walking the tables', () => {
    const sys = mapped();
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    expect(sys.errno(Op.Write, { vaddr: 0x1800, bytes })).toBe('OK');
    expect(sys.ok<Uint8Array>(Op.Read, { vaddr: 0x1800, n: 5000 })).toEqual(bytes);
    const phys = sys.identify(111).phys!;
    expect(sys.kernel.core.phys.bytes[phys]).toBe((0x2000 - 0x1800) & 0xff);
    expect(sys.errno(Op.Write, { vaddr: 0x2f00, bytes: new Uint8Array(512) })).toBe('EPERM'); // runs into read-only 0x3000
    expect(sys.kernel.core.phys.bytes[phys + 0xf00]).toBe(0x700 & 0xff); // nothing written
    expect(sys.errno(Op.Read, { vaddr: 0x3f00, n: 512 })).toBe('EFAULT'); // 0x4000 unmapped
    expect(sys.errno(Op.Read, { vaddr: 0x1000, n: -1 })).toBe('EINVAL');
    expect(sys.errno(Op.Write, { vaddr: 0x1000, bytes: 'text' })).toBe('EINVAL');
    sys.clean();
  });

  it('views physically contiguous ranges only', () => {
    const sys = mapped();
    const phys = sys.identify(110).phys!;
    expect(sys.ok(Op.View, { vaddr: 0x1010, n: PAGE_SIZE + 100 })).toEqual({ phys: phys + 0x10, length: PAGE_SIZE + 100 });
    expect(sys.errno(Op.View, { vaddr: 0x5000, n: PAGE_SIZE + 1 })).toBe('EFAULT');
    expect(sys.errno(Op.View, { vaddr: 0x6000, n: 1 })).toBe('EFAULT');
  });
});
