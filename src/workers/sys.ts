// `sys`: a task's system calls (docs/api.md §3). Each method is async and rejects
// with KernelError for every kernel error. Arguments go to the kernel as
// given (the kernel checks them all, in the documented order); the task side
// only converts what the wire cannot carry: string data becomes UTF-8 bytes,
// a start argument is structured-cloned into bytes, a program path a URL
// (a relative one resolved against the calling task's own program, as an
// import in it would be).

import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serialize } from 'node:v8';
import { isWord, RequestArgs } from '../ipc/regs.ts';
import type { Received, Requests, Results } from '../ipc/syscalls.ts';
import { Errno, type Identity, KernelError, Op, randomSource } from '../abi.ts';
import type { ThreadRuntime } from './runtime.ts';

export type CAddr = number;
export type Dest = CAddr | { cspace: CAddr; slot: number };

export interface Message {
  label?: number;
  data?: Uint8Array | string;
  caps?: Array<CAddr | { cap: CAddr; move: true }>;
}

export type { Received };

export interface RecvOptions {
  /** Null slots offered for capabilities the sender attaches. */
  slots?: CAddr[];
}

export type { Identity };

const encoder = new TextEncoder();
/** Marks a start argument that could not be structured-cloned: the kernel answers EINVAL. */
const UNCLONEABLE = Symbol('uncloneable');

function wireMessage(msg: Message | undefined): unknown {
  if (msg === undefined || msg === null || typeof msg !== 'object') return msg;
  return typeof msg.data === 'string' ? { ...msg, data: encoder.encode(msg.data) } : msg;
}

/**
 * A program reference as the kernel takes it: a URL string. A URL is used as
 * given; an absolute path becomes its file URL; a relative path ('./x.ts',
 * '../x.ts', 'x.ts') is resolved against `base`, the URL of the calling
 * task's own program module, never against the working directory.
 */
export function programUrl(program: unknown, base: string): unknown {
  if (program instanceof URL) return withoutTsxMark(program);
  if (typeof program !== 'string' || program.length === 0) return program;
  if (/^[a-z][a-z0-9+.-]*:/i.test(program) && !/^[a-z]:[\\/]/i.test(program)) return program;
  if (isAbsolute(program)) return pathToFileURL(program).href;
  if (!base.startsWith('file:')) {
    throw new TypeError(`the relative program path '${program}' has no file to be relative to (the calling task's program is ${base}); pass a URL or an absolute path`);
  }
  // As a path, not a URL: '#', '?' and '%' in it are file name characters.
  return pathToFileURL(resolve(dirname(fileURLToPath(base)), program)).href;
}

/** tsx marks the URLs of the modules it loads; the program is the file. */
function withoutTsxMark(program: URL): string {
  const url = new URL(program.href);
  url.searchParams.delete('tsx-namespace');
  return url.href;
}

const encodeText = (text: string): Uint8Array => encoder.encode(text);
/** The cap word of an op that invokes none. */
const NONE = 0;

/** The landing slots of a recv-like call's options (which may be anything a task passes). */
function slotsOf(options: unknown): unknown {
  return typeof options === 'object' && options !== null ? (options as RecvOptions).slots : undefined;
}

function cloneArg(arg: unknown): unknown {
  if (arg === undefined) return undefined;
  try {
    return serialize(arg);
  } catch {
    return UNCLONEABLE;
  }
}

export class Sys {
  /** Set by the task's runner: ends the task with an exit code. */
  onExit: { exit(code: unknown): void } | null = null;

  constructor(
    private readonly runtime: ThreadRuntime,
    /** The kernel thread's name for this task. */
    readonly tid: number,
    /** The URL of this task's program: relative program paths given to start resolve against it. */
    readonly program: string,
    /** Physical memory: views of the task's own pages are windows on it. */
    private readonly memory: SharedArrayBuffer,
    /** In a controlled run, the seed of random(); now() is then virtual. */
    seed?: number,
  ) {
    this.stream = seed === undefined ? Math.random : randomSource(seed);
    this.controlled = seed !== undefined;
  }

  private readonly stream: () => number;
  private readonly controlled: boolean;
  /** System calls made so far: the virtual clock of a controlled run, in milliseconds. */
  private calls = 0;

  /**
   * A number in [0, 1): in a controlled run from the task's own seeded
   * stream, so a replay gives the same numbers; otherwise Math.random().
   */
  random(): number {
    return this.stream();
  }

  /**
   * Milliseconds, for timing: performance.now(), or in a controlled run a
   * virtual clock that advances 1 ms with each system call the task makes,
   * so that code reading the time replays too.
   */
  now(): number {
    return this.controlled ? this.calls : performance.now();
  }

  /** The register words of this task's calls, reused (one call is written at a time). */
  private readonly args = new RequestArgs();

  /** A call as a tagged frame: its fields as given, for the kernel to check. */
  private request<O extends keyof Requests & keyof Results>(op: O, fields: Requests[O]): Promise<Results[O]> {
    this.calls++;
    return this.runtime.call(this.tid, { ...fields, op }) as Promise<Results[O]>;
  }

  /**
   * A call as register words (regs.ts), or null when an argument is not a
   * plain word and the call must go tagged, for the kernel to see as given.
   */
  private regs<O extends keyof Results>(op: O, cap: unknown, msg?: unknown, slots?: unknown): Promise<Results[O]> | null {
    try {
      if (!isWord(cap) || !this.args.take(msg, slots, encodeText)) return null;
    } catch (error) {
      return Promise.reject(error); // a getter of the message threw: the call fails as an async one would
    }
    const call = this.runtime.callRegs(this.tid, op, cap, this.args) as Promise<Results[O]> | null;
    if (call !== null) this.calls++;
    return call;
  }

  /**
   * A call that sends no message: as register words when its cap and
   * fields are plain words, else tagged. `cap` is the invoked cap as given
   * (0 for an op that invokes none).
   */
  private fields<O extends keyof Requests & keyof Results>(op: O, cap: unknown, fields: Requests[O]): Promise<Results[O]> {
    let regs: Promise<unknown> | null = null;
    try {
      if (isWord(cap) && this.args.takeFields(op, fields, encodeText)) regs = this.runtime.callRegs(this.tid, op, cap, this.args);
      if (regs !== null) this.calls++;
    } catch (error) {
      return Promise.reject(error); // a getter of an argument threw: the call fails as an async one would
    }
    return (regs as Promise<Results[O]> | null) ?? this.request(op, fields);
  }

  identify(cap: CAddr): Promise<Identity> {
    return this.regs(Op.Identify, cap) ?? this.request(Op.Identify, { cap });
  }

  async alloc(mem: CAddr, type: number, dest: Dest, options: { size?: number; count?: number } = {}): Promise<void> {
    await this.fields(Op.Alloc, mem, { ...options, cap: mem, type, dest });
  }

  freePages(mem: CAddr): Promise<number> {
    return this.regs(Op.FreePages, mem) ?? this.request(Op.FreePages, { cap: mem });
  }

  async copy(dest: Dest, src: CAddr, options: { rights?: number; badge?: number } = {}): Promise<void> {
    await this.fields(Op.Copy, src, { ...options, cap: src, dest });
  }

  async move(dest: Dest, src: CAddr): Promise<void> {
    await this.fields(Op.Move, src, { cap: src, dest });
  }

  async destroy(...caps: Dest[]): Promise<void> {
    await this.fields(Op.Destroy, NONE, { caps });
  }

  send(ep: CAddr, msg?: Message): Promise<void> {
    return this.regs(Op.Send, ep, msg) ?? this.request(Op.Send, { cap: ep, msg: wireMessage(msg) });
  }

  nbsend(ep: CAddr, msg?: Message): Promise<void> {
    return this.regs(Op.NbSend, ep, msg) ?? this.request(Op.NbSend, { cap: ep, msg: wireMessage(msg) });
  }

  recv(ep: CAddr, options: RecvOptions = {}): Promise<Received> {
    return this.regs(Op.Recv, ep, undefined, slotsOf(options)) ?? this.request(Op.Recv, { ...options, cap: ep });
  }

  nbrecv(ep: CAddr, options: RecvOptions = {}): Promise<Received> {
    return this.regs(Op.NbRecv, ep, undefined, slotsOf(options)) ?? this.request(Op.NbRecv, { ...options, cap: ep });
  }

  call(ep: CAddr, msg?: Message, options: RecvOptions = {}): Promise<Received> {
    return this.regs(Op.Call, ep, msg, slotsOf(options)) ?? this.request(Op.Call, { ...options, cap: ep, msg: wireMessage(msg) });
  }

  /**
   * Answers the last call received with `msg`, then receives on `ep`, in one
   * kernel entry: a server's loop. With nobody to answer (no call taken yet,
   * or the caller is gone) the message is dropped and the receive goes ahead.
   */
  replyRecv(ep: CAddr, msg?: Message, options: RecvOptions = {}): Promise<Received> {
    return this.regs(Op.ReplyRecv, ep, msg, slotsOf(options)) ??
      this.request(Op.ReplyRecv, { ...options, cap: ep, msg: wireMessage(msg) });
  }

  reply(msg?: Message): Promise<void> {
    return this.regs(Op.Reply, NONE, msg) ?? this.request(Op.Reply, { msg: wireMessage(msg) });
  }

  async storeReply(dest: Dest): Promise<void> {
    await this.fields(Op.StoreReply, NONE, { dest });
  }

  signal(n: CAddr): Promise<void> {
    return this.regs(Op.Signal, n) ?? this.request(Op.Signal, { cap: n });
  }

  wait(n: CAddr): Promise<number> {
    return this.regs(Op.Wait, n) ?? this.request(Op.Wait, { cap: n });
  }

  poll(n: CAddr): Promise<number> {
    return this.regs(Op.Poll, n) ?? this.request(Op.Poll, { cap: n });
  }

  async configure(task: CAddr, options: { cspace: CAddr; vspace?: CAddr; fault?: CAddr }): Promise<void> {
    await this.fields(Op.Configure, task, { ...options, cap: task });
  }

  async start(task: CAddr, program: string | URL, arg?: unknown, options: { thread?: 'pool' | 'dedicated' } = {}): Promise<void> {
    let url: unknown;
    let unresolved: Error | undefined;
    try {
      url = programUrl(program, this.program);
    } catch (error) {
      // A relative path with no file to be relative to: sent as no program
      // at all, so the kernel still checks the Task cap first, and its
      // EINVAL for the program says why.
      unresolved = error as Error;
      url = '';
    }
    try {
      await this.request(Op.Start, { ...options, cap: task, program: url, arg: cloneArg(arg) });
    } catch (error) {
      if (unresolved && error instanceof KernelError && error.errno === Errno.EINVAL) throw new KernelError(Errno.EINVAL, unresolved.message);
      throw error;
    }
  }

  async suspend(task: CAddr): Promise<void> {
    await (this.regs(Op.Suspend, task) ?? this.request(Op.Suspend, { cap: task }));
  }

  async resume(task: CAddr): Promise<void> {
    await (this.regs(Op.Resume, task) ?? this.request(Op.Resume, { cap: task }));
  }

  /** Ends the calling task with `code`; the promise never settles. */
  exit(code?: number): Promise<never> {
    this.onExit?.exit(code ?? 0);
    return new Promise<never>(() => {});
  }

  yield(): Promise<void> {
    return this.regs(Op.Yield, NONE) ?? this.request(Op.Yield, {});
  }

  async map(cap: CAddr, vspace: CAddr, vaddr: number, options: { write?: boolean } = {}): Promise<void> {
    await this.fields(Op.Map, cap, { ...options, cap, vspace, vaddr });
  }

  async unmap(vspace: CAddr, vaddr: number): Promise<void> {
    await this.fields(Op.Unmap, vspace, { cap: vspace, vaddr });
  }

  read(vaddr: number, n: number): Promise<Uint8Array> {
    return this.fields(Op.Read, NONE, { vaddr, n });
  }

  /**
   * A zero-copy window on the task's own memory, when [vaddr, vaddr + n) is
   * backed by physically contiguous pages (EFAULT otherwise). Writes through
   * it are not checked against read-only mappings: isolation in one process
   * is cooperative (see the README's threat model).
   */
  async view(vaddr: number, n: number): Promise<Uint8Array> {
    const { phys, length } = await this.fields(Op.View, NONE, { vaddr, n });
    return new Uint8Array(this.memory, phys, length);
  }

  async write(vaddr: number, bytes: Uint8Array): Promise<void> {
    await this.fields(Op.Write, NONE, { vaddr, bytes });
  }

  async print(console: CAddr, text: string): Promise<void> {
    await this.fields(Op.Print, console, { cap: console, text });
  }

  /** Listens on `addr`, one of the addresses the Net cap grants: a Listener in `dest`, from `mem`. Answers the port bound. */
  listen(net: CAddr, addr: string, mem: CAddr, dest: Dest): Promise<number> {
    return this.request(Op.Listen, { cap: net, addr, mem, dest });
  }

  /** Waits for the next client of a Listener: a Connection in `dest`, from `mem`. */
  async accept(listener: CAddr, mem: CAddr, dest: Dest): Promise<void> {
    await this.fields(Op.Accept, listener, { cap: listener, mem, dest });
  }

  /** accept, or EAGAIN when no client waits. */
  async nbaccept(listener: CAddr, mem: CAddr, dest: Dest): Promise<void> {
    await this.fields(Op.NbAccept, listener, { cap: listener, mem, dest });
  }

  /** Up to `n` bytes (1 to 16 KiB) from a Connection, waiting for some; none at the end of the stream. */
  recvBytes(conn: CAddr, n: number): Promise<Uint8Array> {
    return this.fields(Op.RecvBytes, conn, { cap: conn, n });
  }

  /** recvBytes, or EAGAIN when none have arrived. */
  nbrecvBytes(conn: CAddr, n: number): Promise<Uint8Array> {
    return this.fields(Op.NbRecvBytes, conn, { cap: conn, n });
  }

  /** Sends all of `bytes` (at most 16 KiB, or a string as UTF-8), waiting while the send window is full. Answers their count. */
  sendBytes(conn: CAddr, bytes: Uint8Array | string): Promise<number> {
    return this.fields(Op.SendBytes, conn, { cap: conn, bytes: typeof bytes === 'string' ? encoder.encode(bytes) : bytes });
  }

  /** sendBytes, or EAGAIN when the send window is full. */
  nbsendBytes(conn: CAddr, bytes: Uint8Array | string): Promise<number> {
    return this.fields(Op.NbSendBytes, conn, { cap: conn, bytes: typeof bytes === 'string' ? encoder.encode(bytes) : bytes });
  }

  /**
   * sendBytes, then recvBytes(conn, n), in one call: a server's answer and
   * its wait for the client's next request. Needs READ and WRITE. Answers
   * the bytes read; EPIPE before the send means nothing was sent.
   */
  sendRecvBytes(conn: CAddr, bytes: Uint8Array | string, n: number): Promise<Uint8Array> {
    return this.fields(Op.SendRecvBytes, conn, { cap: conn, bytes: typeof bytes === 'string' ? encoder.encode(bytes) : bytes, n });
  }

  /** Ends the Connection's sending side (the peer reads the end of the stream); receiving goes on. */
  async shutdown(conn: CAddr): Promise<void> {
    await this.fields(Op.Shutdown, conn, { cap: conn });
  }
}
