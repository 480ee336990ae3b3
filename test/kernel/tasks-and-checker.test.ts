// Task bindings as references (docs/semantics.md §4 and §9), boot (§11), and
// the invariant checker (§13): it must notice each kind of damage.

import { describe, expect, it } from 'vitest';
import { bootKernel, ObjectType as T, Op, PAGE_SIZE } from '../../src/kernel/index.ts';
import { Slots } from '../../src/kernel/slots.ts';
import { coreSystem } from './harness.ts';

describe('configure', () => {
  it('binds CSpace, VSpace and fault Endpoint as references', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Task, 100)).toBe('OK');
    expect(sys.alloc(16, T.CSpace, 101, { size: 4 })).toBe('OK');
    expect(sys.alloc(16, T.VSpace, 102)).toBe('OK');
    expect(sys.alloc(16, T.Endpoint, 103)).toBe('OK');
    expect(sys.copy(104, 103, { badge: 7 })).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101, vspace: 102, fault: 104 })).toBe('OK');
    expect([101, 102, 103].map((c) => sys.identify(c).refs)).toEqual([2, 2, 3]);
    sys.clean();
    // Reconfiguring an inactive task replaces its bindings.
    expect(sys.alloc(16, T.CSpace, 105, { size: 4 })).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 105 })).toBe('OK');
    expect([101, 102, 103, 105].map((c) => sys.identify(c).refs)).toEqual([1, 1, 2, 2]);
    sys.clean();
    // The task's death drops its bindings.
    expect(sys.destroy(100)).toBe('OK');
    expect(sys.identify(105).refs).toBe(1);
    sys.clean();
  });

  it('a binding past 256 references is ERANGE and binds nothing', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Task, 100)).toBe('OK');
    expect(sys.alloc(16, T.CSpace, 101, { size: 4 })).toBe('OK');
    expect(sys.alloc(16, T.VSpace, 102)).toBe('OK');
    for (let i = 1; i < 256; i++) expect(sys.copy(1000 + i, 102)).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101, vspace: 102 })).toBe('ERANGE');
    expect(sys.identify(101).refs).toBe(1);
    expect(sys.identify(102).refs).toBe(256);
    expect(sys.destroy(1255)).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101, vspace: 102 })).toBe('OK');
    // Reconfiguring with the same VSpace needs no new reference.
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101, vspace: 102 })).toBe('OK');
    expect(sys.identify(102).refs).toBe(256);
    sys.clean();
  });

  it('a CSpace destroyed under a task is unbound from it', () => {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Memory, 99, { size: 8 })).toBe('OK');
    expect(sys.alloc(16, T.Task, 100)).toBe('OK');
    expect(sys.alloc(99, T.CSpace, 101, { size: 4 })).toBe('OK');
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 101 })).toBe('OK');
    expect(sys.destroy(99)).toBe('OK');
    sys.clean();
    expect(sys.errno(Op.Configure, { cap: 100, cspace: 0 })).toBe('OK');
    sys.clean();
  });
});

describe('boot', () => {
  it('gives init its fixed slots and one Memory cap per region', () => {
    const { kernel, init, bootInfo } = bootKernel({ pages: 16384, regions: [8192, 4096], argv: ['-v'] });
    expect(bootInfo).toMatchObject({ argv: ['-v'], cspace: 0, vspace: 1, task: 2, console: 3, pageSize: PAGE_SIZE });
    expect(bootInfo.free).toEqual({ start: 18, end: 65536 });
    expect(bootInfo.memory.map((m) => [m.cap, m.pages])).toEqual([[16, 8192], [17, 4096]]);
    expect(bootInfo.memory[1].phys).toBe(bootInfo.memory[0].phys + 8192 * PAGE_SIZE);
    const id = (cap: number) => kernel.invoke(init, { op: Op.Identify, cap })?.value as { type: number; refs?: number };
    expect([0, 1, 2, 3, 16, 17, 18].map((c) => id(c).type)).toEqual([T.CSpace, T.VSpace, T.Task, T.Console, T.Memory, T.Memory, T.Null]);
    expect([0, 1, 2, 3].map((c) => id(c).refs)).toEqual([2, 2, 1, 1]);
    expect(kernel.check()).toEqual([]);
  });

  it('boots on memory an earlier system left dirty, and zeroes every object it makes there', () => {
    // A Machine boots each system on the memory of the one before, as it was left.
    const pages = 1024;
    const buffer = new SharedArrayBuffer(pages * PAGE_SIZE);
    new Uint8Array(buffer).fill(0xa5);
    const sys = coreSystem({ pages, buffer, regions: [600, 100] });
    expect(sys.kernel.check()).toEqual([]);
    const clean = coreSystem({ pages, regions: [600, 100] });
    expect(sys.free(16)).toBe(clean.free(16));
    for (const s of [sys, clean]) {
      expect(s.alloc(16, T.Page, 100, { count: 3 })).toBe('OK');
      expect(s.alloc(16, T.Memory, 103, { size: 50 })).toBe('OK');
      expect(s.alloc(103, T.Endpoint, 104)).toBe('OK');
      expect(s.alloc(103, T.CSpace, 105, { size: 8 })).toBe('OK');
      expect(s.alloc(17, T.Task, 106)).toBe('OK');
    }
    for (const cap of [100, 101, 102]) {
      const { phys, pages: n } = sys.identify(cap) as { phys: number; pages: number };
      expect(new Uint8Array(buffer, phys, n * PAGE_SIZE).every((b) => b === 0)).toBe(true);
    }
    expect([16, 17, 103].map((m) => sys.free(m))).toEqual([16, 17, 103].map((m) => clean.free(m)));
    expect(sys.identify(105)).toEqual(clean.identify(105));
    sys.clean();
    expect(sys.destroy(100, 101, 102, 103, 104, 105, 106)).toBe('OK');
    sys.clean();
  });

  it('rejects memory sizes and regions that cannot be', () => {
    expect(() => bootKernel({ pages: 259 })).toThrow(/260 to 1048576 whole pages \(1040 KiB to 4 GiB\)/);
    // 260 pages is exactly enough: init's Memory gets the one page left.
    expect(bootKernel({ pages: 260 }).bootInfo.memory[0].pages).toBe(1);
    expect(() => bootKernel({ pages: (1 << 20) + 1 })).toThrow(/1040 KiB to 4 GiB/);
    expect(() => bootKernel({ pages: 300.5 })).toThrow(/whole pages/);
    expect(() => bootKernel({ pages: 4096, regions: [] })).toThrow(/non-empty/);
    expect(() => bootKernel({ pages: 4096, regions: [0] })).toThrow(/>= 1/);
    expect(() => bootKernel({ pages: 4096, regions: [4000] })).toThrow(/only \d+ are left/);
  });
});

describe('the invariant checker', () => {
  function damaged(harm: (sys: ReturnType<typeof coreSystem>) => void): string[] {
    const sys = coreSystem({ pages: 4096 });
    expect(sys.alloc(16, T.Memory, 100, { size: 40 })).toBe('OK');
    expect(sys.alloc(100, T.Page, 101, { count: 4 })).toBe('OK');
    expect(sys.copy(105, 101)).toBe('OK');
    expect(sys.alloc(16, T.Endpoint, 106)).toBe('OK');
    expect(sys.kernel.check()).toEqual([]);
    harm(sys);
    return sys.kernel.check();
  }
  const pageOf = (sys: ReturnType<typeof coreSystem>, cap: number) => sys.identify(cap).phys! / PAGE_SIZE;
  const slot = (sys: ReturnType<typeof coreSystem>, cap: number) => Slots.index(pageOf(sys, 0), cap);

  it('notices a bitmap bit cleared under a live object', () => {
    const out = damaged((sys) => {
      const base = pageOf(sys, 100);
      sys.kernel.core.phys.bytes[base * PAGE_SIZE + 64] &= ~(1 << 2); // page 2 of the area
    });
    expect(out.join('\n')).toMatch(/only 0 of the 1 pages of Page .* are marked allocated/);
    expect(out.join('\n')).toMatch(/bitmap marks/);
  });

  it('notices a wrong free count', () => {
    const out = damaged((sys) => {
      sys.kernel.core.phys.words[(pageOf(sys, 100) * PAGE_SIZE) / 4 + 2] += 1;
    });
    expect(out.join('\n')).toMatch(/free count is 36/);
  });

  it('notices a refcount that disagrees with the caps naming an object', () => {
    const out = damaged((sys) => {
      const core = sys.kernel.core;
      core.phys.bytes[core.life.refByte(pageOf(sys, 106))] = 5;
    });
    expect(out.join('\n')).toMatch(/Endpoint at page \d+: stored refcount 6, but 1 caps \+ 0 bindings name it/);
  });

  it('notices a slot naming a freed object, and a leak', () => {
    const out = damaged((sys) => {
      const words = sys.kernel.core.phys.words;
      const s = slot(sys, 106);
      words[s * 4 + 1] += 1; // the Endpoint cap now names the page after it
    });
    const text = out.join('\n');
    expect(text).toMatch(/slot 106: names a Endpoint at page \d+, which is not a live object of that type/);
    expect(text).toMatch(/no capability or binding names it, yet it lives/);
  });

  it('notices garbage in a slot record', () => {
    const bytes = (harm: (b: Uint8Array, at: number) => void) =>
      damaged((sys) => harm(sys.kernel.core.phys.bytes, slot(sys, 2000) * 16)).join('\n');
    expect(bytes((b, at) => (b[at + 9] = 1))).toMatch(/slot 2000: Null slot has non-zero byte 9/);
    expect(damaged((sys) => (sys.kernel.core.phys.bytes[slot(sys, 106) * 16] = 42)).join('\n')).toMatch(/unknown object type 42/);
    expect(damaged((sys) => (sys.kernel.core.phys.bytes[slot(sys, 106) * 16 + 1] = 9)).join('\n')).toMatch(/rights 9 has unknown bits/);
    expect(damaged((sys) => (sys.kernel.core.phys.words[slot(sys, 101) * 4 + 2] = 3)).join('\n')).toMatch(/Page cap carries a badge/);
  });

  it('notices overlapping objects', () => {
    const out = damaged((sys) => {
      const core = sys.kernel.core;
      core.objects.pages[pageOf(sys, 101)] = 2; // first Page now claims its neighbour's page
    });
    expect(out.join('\n')).toMatch(/overlaps the object before it/);
  });
});
