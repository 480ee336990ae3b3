// The ABI: numbers and shapes that cross every boundary (object type ids,
// rights bits, errno values, operation codes, what init is given at boot) and
// the two sizing functions a program needs to reckon memory exactly. This
// file imports nothing and is the bottom layer: the kernel core, the wire,
// the task runtime and the public entry points all build on it.

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

/** The physical byte address of page `page`: how every object and task is named outside the kernel. */
export function physOf(page: number): number {
  return page * PAGE_SIZE;
}

/** The page of physical byte address `phys`. */
export function pageOf(phys: number): number {
  return Math.floor(phys / PAGE_SIZE);
}
/** Bytes of message data one IPC transfer may carry. */
export const MSG_MAX_BYTES = 2048;
/** Capabilities one message may carry. */
export const MSG_MAX_CAPS = 8;
/** Bytes one read or write may copy (16 KiB: one call's frame must fit every thread's ring). */
export const MAX_COPY_BYTES = 1 << 14;
/** Bytes of one view (a window, not a copy: nothing crosses the rings). */
export const MAX_VIEW_BYTES = 1 << 20;
/** Bytes (of UTF-8) of one print's text. */
export const MAX_PRINT_BYTES = 1 << 14;
/** Pages of a Connection object: its receive buffer (16 KiB, the most one recvBytes takes). */
export const CONNECTION_PAGES = 4;
/** Bytes the host may hold unsent for one Connection before sendBytes waits (its send window). */
export const SEND_WINDOW_BYTES = 1 << 16;
/** References an object may have; one more is ERANGE. */
export const MAX_REFERENCES = 256;
/** Bytes of one CSpace slot record. */
export const SLOT_BYTES = 16;
/** Bytes of the in-band header at the start of every Memory area. */
export const AREA_HEADER_BYTES = 64;
/**
 * Smallest and largest physical memory boot accepts, in pages: 260 pages
 * (1040 KiB) holds the root area's metadata page, init's radix-16 CSpace (256
 * pages), its Task and VSpace, and one page of Memory for init; the most is 4 GiB.
 */
export const MIN_MEMORY_PAGES = 260;
export const MAX_MEMORY_PAGES = 1 << 20;
/** Radix bounds of a CSpace. */
export const MIN_RADIX = 1;
export const MAX_RADIX = 16;

/** Stable object type ids (docs/semantics.md §2). */
export const ObjectType = {
  Null: 0,
  Memory: 1,
  CSpace: 2,
  VSpace: 3,
  Task: 4,
  Page: 5,
  PageTable: 6,
  Endpoint: 7,
  Notification: 8,
  Reply: 9,
  Console: 10,
  /** Device: listen on the loopback addresses boot granted. */
  Net: 11,
  /** A listening socket on one granted address (docs/semantics.md §14). */
  Listener: 12,
  /** One accepted TCP connection and its receive buffer. */
  Connection: 13,
} as const;
export type ObjectTypeId = (typeof ObjectType)[keyof typeof ObjectType];

const typeNames: readonly string[] = Object.keys(ObjectType);
/** The name of an object type id, e.g. 'PageTable'; 'Unknown(n)' for others. */
export function typeName(type: number): string {
  return typeNames[type] ?? `Unknown(${type})`;
}

/** Rights bits of a capability (docs/semantics.md §6). */
export const Rights = {
  READ: 1,
  WRITE: 2,
  GRANT: 4,
  ALL: 7,
} as const;

/** Error numbers (docs/semantics.md §12). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  EPIPE: 32,
  ERANGE: 34,
  EMSGSIZE: 90,
  ENOTSUP: 95,
} as const;
export type ErrnoName = keyof typeof Errno;
export type ErrnoValue = (typeof Errno)[ErrnoName];

const errnoNames = new Map<number, ErrnoName>(
  (Object.entries(Errno) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);
const errnoMeanings: Record<ErrnoName, string> = {
  EPERM: 'the capability lacks a needed right',
  ENOENT: 'no PageTable covers that virtual address',
  EBADF: 'caddr out of range, Null, or of the wrong type for that argument',
  EAGAIN: 'a non-blocking operation would block',
  ENOMEM: 'the Memory area has no free run large enough',
  EFAULT: 'virtual address not mapped, or range not contiguous',
  EBUSY: 'a call is in flight, or the task is not in the state the operation needs',
  EEXIST: 'a destination slot or mapping is occupied',
  EINVAL: 'a parameter is out of range or malformed',
  ENOSPC: 'the receiver offered fewer landing slots than caps sent',
  EPIPE: 'the endpoint was destroyed, or the caller to reply to is gone',
  ERANGE: 'an object would pass 256 references',
  EMSGSIZE: 'message data over 2048 bytes, or over 8 caps',
  ENOTSUP: 'the object has no such operation, or the cap cannot be copied',
};

/** The name of an errno value, e.g. 'ERANGE'; undefined for unknown numbers. */
export function errnoName(errno: number): ErrnoName | undefined {
  return errnoNames.get(errno);
}

/**
 * A kernel error as a task sees it. Errors cross threads as `{ errno }` and
 * are rebuilt into this class on the other side.
 */
export class KernelError extends Error {
  readonly code: ErrnoName;
  readonly errno: ErrnoValue;
  constructor(errno: number, detail?: string) {
    const code = errnoName(errno);
    if (code === undefined) throw new RangeError(`not a kernel errno: ${errno}`);
    super(detail ? `${code}: ${detail}` : `${code}: ${errnoMeanings[code]}`);
    this.name = 'KernelError';
    this.code = code;
    this.errno = Errno[code];
  }
}

/** Operation codes of the system call interface. */
export const Op = {
  Identify: 1,
  Alloc: 2,
  FreePages: 3,
  Copy: 4,
  Move: 5,
  Destroy: 6,
  Send: 7,
  NbSend: 8,
  Recv: 9,
  NbRecv: 10,
  Call: 11,
  Reply: 12,
  StoreReply: 13,
  Signal: 14,
  Wait: 15,
  Poll: 16,
  Configure: 17,
  Start: 18,
  Suspend: 19,
  Resume: 20,
  Exit: 21,
  Yield: 22,
  Map: 23,
  Unmap: 24,
  Read: 25,
  Write: 26,
  View: 27,
  Print: 28,
  /** Answers the last call, then receives: one kernel entry for a server's loop. */
  ReplyRecv: 29,
  /** The Net device's operations and its objects' (docs/semantics.md §14). */
  Listen: 30,
  Accept: 31,
  NbAccept: 32,
  RecvBytes: 33,
  NbRecvBytes: 34,
  SendBytes: 35,
  NbSendBytes: 36,
  Shutdown: 37,
  /** Sends bytes, then receives: one kernel entry for a server's answer and its client's next request. */
  SendRecvBytes: 38,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

const opNames: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, value] of Object.entries(Op)) names[value] = name;
  return names;
})();
/** The name of an operation code, e.g. 'Alloc'. */
export function opName(op: number): string {
  return opNames[op] ?? `Unknown(${String(op)})`;
}

/**
 * Pages of metadata at the start of a Memory area of `pages` pages: a 64-byte
 * header, one bitmap bit per page and one refcount byte per page.
 */
export function memoryOverheadPages(pages: number): number {
  return Math.ceil((AREA_HEADER_BYTES + Math.ceil(pages / 8) + pages) / PAGE_SIZE);
}

/**
 * Pages one object of `type` occupies; `size` is the ALLOC size (pages for a
 * Memory, the radix for a CSpace). Throws RangeError for a type or size that
 * cannot be allocated, so a program's arithmetic never silently goes wrong.
 */
export function objectPages(type: number, size?: number): number {
  switch (type) {
    case ObjectType.Memory:
      if (!Number.isInteger(size) || (size as number) < 1) {
        throw new RangeError(`a Memory object needs a whole number of pages >= 1, got ${String(size)}`);
      }
      return size as number;
    case ObjectType.CSpace:
      if (!Number.isInteger(size) || (size as number) < MIN_RADIX || (size as number) > MAX_RADIX) {
        throw new RangeError(`a CSpace needs a radix from ${MIN_RADIX} to ${MAX_RADIX}, got ${String(size)}`);
      }
      return Math.max(1, 2 ** ((size as number) - 8));
    case ObjectType.VSpace:
    case ObjectType.Task:
    case ObjectType.Page:
    case ObjectType.PageTable:
    case ObjectType.Endpoint:
    case ObjectType.Notification:
    case ObjectType.Listener:
      return 1;
    case ObjectType.Connection:
      return CONNECTION_PAGES;
    default:
      throw new RangeError(`objects of type ${typeName(type)} are not allocated from Memory`);
  }
}

/** How a task failed, as plain data that crosses threads. */
export interface Fault {
  name: string;
  message: string;
  stack?: string;
}

/** What identify(cap) tells about a capability. */
export interface Identity {
  type: number;
  rights: number;
  badge: number;
  /** Physical byte address of the object (memory-backed objects). */
  phys?: number;
  /** Pages the object occupies (memory-backed objects). */
  pages?: number;
  /** Current reference count (capabilities + bindings). */
  refs?: number;
  /** Radix of a CSpace. */
  radix?: number;
  /** State of a Task: 'inactive', 'ready', 'blocked', 'suspended' or 'exited'. */
  state?: string;
}

/** What init receives at boot: its fixed caps, its Memory, its free slots. */
export interface BootInfo {
  argv: string[];
  cspace: number;
  vspace: number;
  task: number;
  console: number;
  /** The Net device's slot (4), present only when boot granted addresses. */
  net?: number;
  /** The addresses the Net cap may listen on, as boot was given them. */
  netAddresses?: string[];
  memory: Array<{ cap: number; phys: number; pages: number }>;
  /** The Null slots of init's CSpace: start inclusive, end exclusive. */
  free: { start: number; end: number };
  pageSize: number;
}

/**
 * The seeded generator of controlled mode (mulberry32: 32-bit state, uniform
 * in [0, 1)), shared by the kernel's schedule and a task's sys.random(), so
 * that a seed names the same stream everywhere.
 */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a task's own random stream in a controlled run: from the run's seed and the task's launch order. */
export function taskSeed(seed: number, ordinal: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(ordinal + 1, 0xc2b2ae35)) >>> 0;
}
