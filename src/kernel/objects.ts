// The object table: the kernel's JavaScript-side index of live objects, keyed
// by each object's first physical page (docs/semantics.md §1 allows such indexes). The
// authoritative allocation state (bitmap, free count, refcounts) lives in
// physical memory, in the areas; this table remembers what kind of object
// starts where, its size, the area it came from, and the reverse links the
// kernel needs to find every capability and binding naming an object.

/** Marks "no area": the root area has no parent. */
export const NO_AREA = 0xffffffff;

/** Lifecycle of an entry in the table. */
export const Life = {
  None: 0,
  Live: 1,
  /** Queued for destruction: references to it are being torn down. */
  Dying: 2,
} as const;

export class ObjectTable {
  /** Object type id at an object's first page; 0 where no object starts. */
  readonly kind: Uint8Array;
  readonly life: Uint8Array;
  /** Pages the object occupies. */
  readonly pages: Uint32Array;
  /** The ALLOC size argument (pages of a Memory, radix of a CSpace). */
  readonly size: Uint32Array;
  /** First page of the area the object was allocated from, or NO_AREA. */
  readonly area: Uint32Array;
  /** Head of the list of slots naming the object (slot index; 0 = empty). */
  readonly capHead: Uint32Array;
  /** Kernel bindings naming the object, as word indexes of the binding fields. */
  readonly binders = new Map<number, number[]>();

  constructor(pages: number) {
    this.kind = new Uint8Array(pages);
    this.life = new Uint8Array(pages);
    this.pages = new Uint32Array(pages);
    this.size = new Uint32Array(pages);
    this.area = new Uint32Array(pages);
    this.capHead = new Uint32Array(pages);
  }

  enter(page: number, type: number, pages: number, size: number, area: number): void {
    this.kind[page] = type;
    this.life[page] = Life.Live;
    this.pages[page] = pages;
    this.size[page] = size;
    this.area[page] = area;
    this.capHead[page] = 0;
  }

  remove(page: number): void {
    this.kind[page] = 0;
    this.life[page] = Life.None;
    this.pages[page] = 0;
    this.size[page] = 0;
    this.area[page] = 0;
    this.capHead[page] = 0;
    this.binders.delete(page);
  }

  isLive(page: number, type: number): boolean {
    return this.life[page] === Life.Live && this.kind[page] === type;
  }

  bindingCount(page: number): number {
    return this.binders.get(page)?.length ?? 0;
  }
}
