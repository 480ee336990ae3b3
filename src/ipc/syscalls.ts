// Every system call as data: the request each operation sends, the value
// each answers with, and the register words its arguments travel in
// (regs.ts). Argument fields are `unknown`:
// a task may pass anything, and the kernel checks it all (docs/semantics.md
// §12). `sys` (src/workers/sys.ts) builds these requests and is typed by
// these results, so no method casts what the kernel answers.

import { type Identity, Op, type OpCode } from '../abi.ts';

/** A message a call, recv or replyRecv answers with. */
export interface Received {
  label: number;
  data: Uint8Array;
  /** The landing slots that received capabilities, in order. */
  caps: number[];
  badge: number;
}

type Arg = unknown;

/** The request of each operation, keyed by its code. */
export interface Requests {
  [Op.Identify]: { cap: Arg };
  [Op.Alloc]: { cap: Arg; type: Arg; dest: Arg; size?: Arg; count?: Arg };
  [Op.FreePages]: { cap: Arg };
  [Op.Copy]: { cap: Arg; dest: Arg; rights?: Arg; badge?: Arg };
  [Op.Move]: { cap: Arg; dest: Arg };
  [Op.Destroy]: { caps: Arg };
  [Op.Send]: { cap: Arg; msg: Arg };
  [Op.NbSend]: { cap: Arg; msg: Arg };
  [Op.Recv]: { cap: Arg; slots?: Arg };
  [Op.NbRecv]: { cap: Arg; slots?: Arg };
  [Op.Call]: { cap: Arg; msg: Arg; slots?: Arg };
  [Op.Reply]: { msg: Arg };
  [Op.ReplyRecv]: { cap: Arg; msg: Arg; slots?: Arg };
  [Op.StoreReply]: { dest: Arg };
  [Op.Signal]: { cap: Arg };
  [Op.Wait]: { cap: Arg };
  [Op.Poll]: { cap: Arg };
  [Op.Configure]: { cap: Arg; cspace: Arg; vspace?: Arg; fault?: Arg };
  [Op.Start]: { cap: Arg; program: Arg; arg: Arg; thread?: Arg };
  [Op.Suspend]: { cap: Arg };
  [Op.Resume]: { cap: Arg };
  [Op.Exit]: { code: Arg; value?: Arg; fault?: Arg };
  [Op.Yield]: Record<never, never>;
  [Op.Map]: { cap: Arg; vspace: Arg; vaddr: Arg; write?: Arg };
  [Op.Unmap]: { cap: Arg; vaddr: Arg };
  [Op.Read]: { vaddr: Arg; n: Arg };
  [Op.Write]: { vaddr: Arg; bytes: Arg };
  [Op.View]: { vaddr: Arg; n: Arg };
  [Op.Print]: { cap: Arg; text: Arg };
  [Op.Listen]: { cap: Arg; addr: Arg; mem: Arg; dest: Arg };
  [Op.Accept]: { cap: Arg; mem: Arg; dest: Arg };
  [Op.NbAccept]: { cap: Arg; mem: Arg; dest: Arg };
  [Op.RecvBytes]: { cap: Arg; n: Arg };
  [Op.NbRecvBytes]: { cap: Arg; n: Arg };
  [Op.SendBytes]: { cap: Arg; bytes: Arg };
  [Op.NbSendBytes]: { cap: Arg; bytes: Arg };
  [Op.Shutdown]: { cap: Arg };
  [Op.SendRecvBytes]: { cap: Arg; bytes: Arg; n: Arg };
}

/** The value each operation answers with when it succeeds. */
export interface Results {
  [Op.Identify]: Identity;
  [Op.Alloc]: void;
  [Op.FreePages]: number;
  [Op.Copy]: void;
  [Op.Move]: void;
  [Op.Destroy]: void;
  [Op.Send]: void;
  [Op.NbSend]: void;
  [Op.Recv]: Received;
  [Op.NbRecv]: Received;
  [Op.Call]: Received;
  [Op.Reply]: void;
  [Op.ReplyRecv]: Received;
  [Op.StoreReply]: void;
  [Op.Signal]: void;
  /** The badge bits taken. */
  [Op.Wait]: number;
  [Op.Poll]: number;
  [Op.Configure]: void;
  [Op.Start]: void;
  [Op.Suspend]: void;
  [Op.Resume]: void;
  [Op.Exit]: void;
  [Op.Yield]: void;
  [Op.Map]: void;
  [Op.Unmap]: void;
  [Op.Read]: Uint8Array;
  [Op.Write]: void;
  /** Where the window lies in physical memory. */
  [Op.View]: { phys: number; length: number };
  [Op.Print]: void;
  /** The port bound. */
  [Op.Listen]: number;
  [Op.Accept]: void;
  [Op.NbAccept]: void;
  /** The bytes read; none at the end of the stream. */
  [Op.RecvBytes]: Uint8Array;
  [Op.NbRecvBytes]: Uint8Array;
  /** The bytes taken (all of them). */
  [Op.SendBytes]: number;
  [Op.NbSendBytes]: number;
  [Op.Shutdown]: void;
  /** The bytes read after the send; none at the end of the stream. */
  [Op.SendRecvBytes]: Uint8Array;
}

/** How a register frame carries one argument: a u32, a boolean (0 or 1), or a destination (two words). */
export type WordKind = 'u32' | 'bool' | 'dest';

type ArgWords<O extends OpCode> = ReadonlyArray<readonly [Exclude<keyof Requests[O], 'cap'> & string, WordKind]>;

/**
 * The argument words of each op's register frame, in order, after the invoked
 * cap. An op not listed has none. Besides these words a frame carries:
 * - a message (send, nbsend, call, reply, replyRecv) as label, caps and data;
 * - landing slots (recv, nbrecv, call, replyRecv);
 * - destroy's caps as its list of caps, the bytes of write, sendBytes and
 *   sendRecvBytes and print's text as its data.
 * listen always goes tagged: its address is a string.
 * start and exit always go tagged: a start argument and an exit's fault are
 * structured values, not words.
 */
export const ARG_WORDS: { readonly [O in OpCode]?: ArgWords<O> } = {
  [Op.Alloc]: [['type', 'u32'], ['dest', 'dest'], ['size', 'u32'], ['count', 'u32']],
  [Op.Copy]: [['dest', 'dest'], ['rights', 'u32'], ['badge', 'u32']],
  [Op.Move]: [['dest', 'dest']],
  [Op.StoreReply]: [['dest', 'dest']],
  [Op.Configure]: [['cspace', 'u32'], ['vspace', 'u32'], ['fault', 'u32']],
  [Op.Map]: [['vspace', 'u32'], ['vaddr', 'u32'], ['write', 'bool']],
  [Op.Unmap]: [['vaddr', 'u32']],
  [Op.Read]: [['vaddr', 'u32'], ['n', 'u32']],
  [Op.View]: [['vaddr', 'u32'], ['n', 'u32']],
  [Op.Write]: [['vaddr', 'u32']],
  [Op.Accept]: [['mem', 'u32'], ['dest', 'dest']],
  [Op.NbAccept]: [['mem', 'u32'], ['dest', 'dest']],
  [Op.RecvBytes]: [['n', 'u32']],
  [Op.NbRecvBytes]: [['n', 'u32']],
  [Op.SendRecvBytes]: [['n', 'u32']],
};

/** A request as a tagged frame carries it: its op and its fields. */
export type Request = { [O in OpCode]: { op: O } & Requests[O] }[OpCode];

// Every operation code has its request and its result (a compile-time check).
const everyOp: [Exclude<OpCode, keyof Requests | keyof Results>] extends [never] ? true : never = true;
void everyOp;
