// Messages of IPC calls (docs/semantics.md §7): each Endpoint and Reply
// operation's arguments decoded into a plan, checking everything in the
// order of §12 and changing nothing (endpoint.ts and reply.ts perform the
// plans); and the IPC buffer, where a message sits in its task's memory.

import { Errno, MSG_MAX_BYTES, ObjectType, physOf, Rights } from '../abi.ts';
import type { Core, Failure } from './state.ts';
import { invoked, isInteger, lookup } from './cspace.ts';
import { PhysicalMemory } from './physical.ts';
import { IPC_BUFFER_OFFSET } from './tcb.ts';
import { type Attached, decodeAttached, decodeLanding } from './transfer.ts';

/** A message as the kernel carries it: its label and data bytes. */
export interface Message {
  label: number;
  data: Uint8Array;
}

/** A message argument, checked: the label and the data bytes, or an errno. */
export function decodeMessage(msg: unknown): Message | Failure {
  if (msg === undefined) return { label: 0, data: new Uint8Array(0) };
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return Errno.EINVAL;
  const { label = 0, data } = msg as { label?: unknown; data?: unknown };
  if (!isInteger(label) || label < 0 || label > 0xffffffff) return Errno.EINVAL;
  if (data === undefined) return { label, data: new Uint8Array(0) };
  if (data instanceof Uint8Array) return data.length > MSG_MAX_BYTES ? Errno.EMSGSIZE : { label, data };
  if (typeof data === 'object' && data !== null && typeof (data as { length?: unknown }).length === 'number') {
    return (data as { length: number }).length > MSG_MAX_BYTES ? Errno.EMSGSIZE : Errno.EINVAL;
  }
  return Errno.EINVAL;
}

export interface SendPlan {
  /** The Endpoint, or for a stored Reply cap the slot holding it. */
  endpoint: number;
  reply: number;
  badge: number;
  msg: Message;
  attached: Attached[];
  /** Landing slots of a call (for the answer's caps). */
  landing: number[];
}

/** The message of send, nbsend, call, reply and send-on-Reply: caps first (argument caps), then the rest. */
function decodeOutgoing(core: Core, task: number, msg: unknown, grant: boolean): { msg: Message; attached: Attached[] } | Failure {
  const caps = typeof msg === 'object' && msg !== null ? (msg as { caps?: unknown }).caps : undefined;
  if (Array.isArray(caps) && caps.length > 0 && !grant) return Errno.EPERM;
  const attached = decodeAttached(core, task, caps);
  if (typeof attached === 'number') return attached;
  const decoded = decodeMessage(msg);
  if (typeof decoded === 'number') return decoded;
  return { msg: decoded, attached };
}

/** send / nbsend / call on an Endpoint cap, and send / nbsend on a stored Reply cap. */
export function decodeSend(core: Core, task: number, req: Record<string, unknown>, isCall: boolean): SendPlan | Failure {
  const slots = core.slots;
  const cap = lookup(core, task, req.cap);
  if (cap === 0 || slots.type(cap) === ObjectType.Null) return Errno.EBADF;
  const type = slots.type(cap);
  if (type !== ObjectType.Endpoint && (type !== ObjectType.Reply || isCall)) return Errno.ENOTSUP;
  const rights = slots.rights(cap);
  if ((rights & Rights.WRITE) === 0) return Errno.EPERM;
  const outgoing = decodeOutgoing(core, task, req.msg, (rights & Rights.GRANT) !== 0);
  if (typeof outgoing === 'number') return outgoing;
  // Stryker disable next-line ArrayDeclaration: a send's landing slots are never read; only a caller is answered with caps
  let landing: number[] = [];
  if (isCall) {
    const offered = decodeLanding(core, task, req.slots);
    if (typeof offered === 'number') return offered;
    landing = offered;
  }
  const reply = type === ObjectType.Reply ? cap : 0;
  return { endpoint: reply ? 0 : slots.object(cap), reply, badge: reply ? 0 : slots.badge(cap), ...outgoing, landing };
}

export interface RecvPlan {
  endpoint: number;
  landing: number[];
  grant: boolean;
}

/** recv / nbrecv: the invoked Endpoint cap and the landing slots offered. */
export function decodeRecv(core: Core, task: number, req: Record<string, unknown>): RecvPlan | Failure {
  const slots = core.slots;
  const cap = invoked(core, task, req.cap, ObjectType.Endpoint, Rights.READ);
  // Stryker disable next-line EqualityOperator: invoked() never gives slot 0
  if (cap < 0) return -cap;
  const landing = decodeLanding(core, task, req.slots);
  if (typeof landing === 'number') return landing;
  return { endpoint: slots.object(cap), landing, grant: (slots.rights(cap) & Rights.GRANT) !== 0 };
}

/** reply(msg): the message, and caps only if the task's Reply may carry them. */
export function decodeReply(core: Core, task: number, req: Record<string, unknown>, grant: boolean): { msg: Message; attached: Attached[] } | Failure {
  return decodeOutgoing(core, task, req.msg, grant);
}

export interface ReplyRecvPlan {
  reply: { msg: Message; attached: Attached[] };
  recv: RecvPlan;
}

/**
 * replyRecv: the invoked Endpoint cap (as recv), then the answer's message
 * (as reply, caps only if the held Reply may carry them), then the landing
 * slots offered for the next message.
 */
export function decodeReplyRecv(core: Core, task: number, req: Record<string, unknown>, grant: boolean): ReplyRecvPlan | Failure {
  const slots = core.slots;
  const cap = invoked(core, task, req.cap, ObjectType.Endpoint, Rights.READ);
  // Stryker disable next-line EqualityOperator: invoked() never gives slot 0
  if (cap < 0) return -cap;
  const reply = decodeReply(core, task, req, grant);
  if (typeof reply === 'number') return reply;
  const landing = decodeLanding(core, task, req.slots);
  if (typeof landing === 'number') return landing;
  return { reply, recv: { endpoint: slots.object(cap), landing, grant: (slots.rights(cap) & Rights.GRANT) !== 0 } };
}

// The IPC buffer. No message is buffered in the kernel: a sender's message
// waits in its own IPC buffer, and delivery copies it into the receiver's.

/** Word offsets of a message in the IPC buffer (from the buffer's first word). */
const Msg = { Label: 0, Length: 1, Badge: 2, Caps: 3 } as const;
const DATA_OFFSET = 64;

/** A message as its receiver gets it: the landing slots that got caps, and the sender's badge. */
export interface Received {
  label: number;
  data: Uint8Array;
  caps: number[];
  badge: number;
}

function ipcByte(task: number): number {
  return physOf(task) + IPC_BUFFER_OFFSET;
}
function ipcWord(task: number): number {
  return PhysicalMemory.pageWord(task) + IPC_BUFFER_OFFSET / 4;
}

/** Writes a message into a task's IPC buffer, with the number of caps it carries. */
export function storeMessage(core: Core, task: number, msg: Message, badge: number, caps: number): void {
  const base = ipcWord(task);
  const w = core.phys.words;
  // Stryker disable next-line ArithmeticOperator: Msg.Label is 0
  w[base + Msg.Label] = msg.label;
  w[base + Msg.Length] = msg.data.length;
  w[base + Msg.Badge] = badge;
  w[base + Msg.Caps] = caps;
  core.phys.bytes.set(msg.data, ipcByte(task) + DATA_OFFSET);
}

/**
 * Copies the message in `from`'s IPC buffer into `to`'s, with `badge` and
 * the landing slots `caps` that the transfer filled, and reads it out.
 */
export function copyMessage(core: Core, from: number, to: number, badge: number, caps: number[]): Received {
  const w = core.phys.words;
  const src = ipcWord(from);
  const dst = ipcWord(to);
  const length = w[src + Msg.Length];
  // Stryker disable next-line ArithmeticOperator: Msg.Label is 0
  const label = (w[dst + Msg.Label] = w[src + Msg.Label]);
  w[dst + Msg.Length] = length;
  w[dst + Msg.Badge] = badge;
  w[dst + Msg.Caps] = caps.length;
  const fromData = ipcByte(from) + DATA_OFFSET;
  const toData = ipcByte(to) + DATA_OFFSET;
  core.phys.bytes.copyWithin(toData, fromData, fromData + length);
  return { label, data: core.phys.bytes.slice(toData, toData + length), caps, badge };
}

/** The badge stored with the message in a task's IPC buffer. */
export function messageBadge(core: Core, task: number): number {
  return core.phys.words[ipcWord(task) + Msg.Badge];
}

