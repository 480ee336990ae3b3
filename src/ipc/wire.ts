// System call frames on a channel's rings.
//
//   request:  u32 tid, u32 seq, then the request's register words
//             (regs.ts), or the request object (tagged encoding) when an
//             argument is not a plain word, or the op is start or exit
//   response: u32 tid, u32 seq, i32 status, then the value when status is 0
//             (register words, answers.ts, or tagged when it has no form)
//
// status: 0 = success, > 0 = errno, Status.Killed = the task was killed and
// will get no further answers. `tid` names the task to the kernel thread;
// `seq` matches an answer to its call.
//
// Every frame fits its ring for good: a writer encodes within the frame
// limit (MAX_FRAME_BYTES, or less on a smaller ring), so a call too big for
// it reaches the kernel with its big values as markers and gets an errno
// (EMSGSIZE for message data, EINVAL otherwise), never a frame that waits
// for room that can never come.

import type { Channel } from './channel.ts';
import { Decoder, Encoder, MAX_SCALAR_BYTES, MAX_WIRE_BYTES } from './codec.ts';
import { Answer, ANSWER_REGS, isReceived, RECEIVED_REGS, readAnswer, readReceived, receivedBytes, writeReceived } from './answers.ts';
import { RegsRequest, REQUEST_REGS, type RequestArgs } from './regs.ts';
import type { Ring } from './ring.ts';

/**
 * The most bytes of one frame: room for one value of MAX_WIRE_BYTES and the
 * rest of its call, within half of the smallest ring a channel has (a
 * dedicated thread's 64 KiB rings hold frames of up to 32 KiB).
 */
export const MAX_FRAME_BYTES = MAX_WIRE_BYTES + (1 << 13);

export const Status = {
  Ok: 0,
  /** The task's object was destroyed while it ran: no further calls. */
  Killed: -1,
} as const;

/** Writes frames to one ring, keeping what does not fit until there is room. */
export class FrameWriter {
  private readonly enc = new Encoder();
  private readonly backlog: Uint8Array[] = [];
  /** The encoder's limit: a frame of it and one last scalar fits the ring. */
  private readonly limit: number;

  constructor(private readonly ring: Ring) {
    this.limit = Math.min(MAX_FRAME_BYTES, ring.maxFrame) - MAX_SCALAR_BYTES;
    this.regsLimit = Math.min(MAX_FRAME_BYTES, ring.maxFrame);
    this.words = ring.words;
    this.bytes = ring.data;
  }

  /** Writes a request as register words; false (nothing written) when it is too big for them. */
  regs(tid: number, seq: number, op: number, cap: number, args: RequestArgs): boolean {
    const n = args.frameBytes();
    if (n > this.regsLimit) return false;
    const at = this.place(n);
    args.write(this.words, this.bytes, at, tid, seq, op, cap);
    this.commit(n);
    return true;
  }

  /** Where the frame being written goes: the ring, or a backlog frame of its own. */
  private words: Uint32Array;
  private bytes: Uint8Array;
  private inRing = false;

  /** Makes room for a register frame of `n` bytes (words, bytes: where); returns its offset there. */
  private place(n: number): number {
    const at = this.backlog.length === 0 ? this.ring.claim(n) : -1;
    this.inRing = at >= 0;
    if (this.inRing) {
      this.words = this.ring.words;
      this.bytes = this.ring.data;
      return at;
    }
    this.bytes = new Uint8Array((n + 3) & ~3);
    this.words = new Uint32Array(this.bytes.buffer);
    return 0;
  }

  /** Publishes the register frame just written, or queues it until there is room. */
  private commit(n: number): void {
    if (this.inRing) this.ring.publish();
    else this.backlog.push(this.bytes.subarray(0, n));
  }

  /** The most bytes of a register frame: more goes tagged, within the encoder's limit. */
  private readonly regsLimit: number;

  request(tid: number, seq: number, request: unknown): void {
    const enc = this.enc;
    enc.reset(this.limit);
    enc.u32(tid);
    enc.u32(seq);
    enc.value(request);
    this.emit();
  }

  /** The answer being written, when it has a register form. */
  private readonly answer = new Answer();

  response(tid: number, seq: number, status: number, value: unknown): void {
    if (status === Status.Ok) {
      if (isReceived(value)) {
        const n = receivedBytes(value);
        if (n <= this.regsLimit) {
          const at = this.place(n);
          writeReceived(this.words, this.bytes, at, tid, seq, value);
          this.commit(n);
          return;
        }
      } else if (this.answer.take(value)) {
        const n = this.answer.frameBytes();
        if (n <= this.regsLimit) {
          const at = this.place(n);
          this.answer.write(this.words, this.bytes, at, tid, seq);
          this.commit(n);
          return;
        }
      }
    }
    const enc = this.enc;
    enc.reset(this.limit);
    enc.u32(tid);
    enc.u32(seq);
    enc.i32(status);
    if (status === Status.Ok) enc.value(value);
    this.emit();
  }

  /** Frames still waiting for room in the ring. */
  get waiting(): number {
    return this.backlog.length;
  }

  /** Moves waiting frames into the ring while they fit. */
  retry(): void {
    while (this.backlog.length > 0) {
      const frame = this.backlog[0];
      if (!this.ring.push(frame, frame.length)) return;
      this.backlog.shift();
    }
  }

  private emit(): void {
    const enc = this.enc;
    if (this.backlog.length === 0 && this.ring.push(enc.bytes, enc.pos)) return;
    this.backlog.push(enc.bytes.slice(0, enc.pos));
  }
}

export function requestWriter(channel: Channel): FrameWriter {
  return new FrameWriter(channel.requests);
}

export function responseWriter(channel: Channel): FrameWriter {
  return new FrameWriter(channel.responses);
}

/** The kernel side's reader of one channel's request frames. */
export class RequestReader {
  private readonly decoder: Decoder;
  /** The record register frames decode into, reused until the kernel keeps one. */
  private regs = new RegsRequest();

  constructor(private readonly channel: Channel) {
    this.decoder = new Decoder(channel.requests.data);
  }

  /**
   * Calls `take` for every request frame waiting, in order, without
   * allocating a frame each. A request decoded from register words is
   * valid only during `take`, unless `take` calls keep() on it (the kernel
   * keeps a call that blocks).
   */
  read(take: (tid: number, seq: number, request: unknown) => void): number {
    const ring = this.channel.requests;
    return ring.drain((offset, length) => {
      const words = ring.words;
      const tid = words[offset >>> 2];
      const seq = words[(offset >>> 2) + 1];
      let request: unknown = null; // a corrupt frame is a malformed request: EINVAL
      if (length >= 9 && ring.data[offset + 8] === REQUEST_REGS) {
        if (this.regs.kept) this.regs = new RegsRequest();
        if (this.regs.read(words, ring.data, offset, length)) request = this.regs;
      } else if (length >= 8) {
        const decoder = this.decoder;
        decoder.pos = offset + 8;
        try {
          request = decoder.value();
        } catch {
          request = null;
        }
      }
      take(tid, seq, request);
    });
  }
}

/** The kernel keeps `request` past its frame (its call blocked): a register request then owns its data. */
export function keepRequest(request: unknown): void {
  if (request instanceof RegsRequest) request.keep();
}

/** Reads response frames (task thread side) without allocating a frame each. */
export function readResponses(
  channel: Channel,
  decoder: Decoder,
  take: (tid: number, seq: number, status: number, value: unknown) => void,
): number {
  const ring = channel.responses;
  return ring.drain((offset) => {
    const words = ring.words;
    const tid = words[offset >>> 2];
    const seq = words[(offset >>> 2) + 1];
    const status = words[(offset >>> 2) + 2] | 0;
    if (status !== Status.Ok) take(tid, seq, status, undefined);
    else if (ring.data[offset + 12] === RECEIVED_REGS) take(tid, seq, status, readReceived(words, ring.data, offset));
    else if (ring.data[offset + 12] === ANSWER_REGS) take(tid, seq, status, readAnswer(words, ring.data, offset));
    else {
      decoder.pos = offset + 12;
      take(tid, seq, status, decoder.value());
    }
  });
}
