// Every system call as data: the request each operation sends (the fields a
// tagged frame carries; the hot ones may go as register words instead, see
// regs.ts) and the value each answers with. Argument fields are `unknown`:
// a task may pass anything, and the kernel checks it all (docs/semantics.md
// §12). `sys` (src/workers/sys.ts) builds these requests and is typed by
// these results, so no method casts what the kernel answers.

import type { Identity, Op, OpCode } from '../kernel/abi.ts';

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
}

/** A request as a tagged frame carries it: its op and its fields. */
export type Request = { [O in OpCode]: { op: O } & Requests[O] }[OpCode];

// Every operation code has its request and its result (a compile-time check).
const everyOp: [Exclude<OpCode, keyof Requests | keyof Results>] extends [never] ? true : never = true;
void everyOp;
