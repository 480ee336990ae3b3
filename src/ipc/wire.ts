// System call frames on a channel's rings.
//
//   request:  u32 tid, u32 seq, then the request object (tagged encoding)
//   response: u32 tid, u32 seq, i32 status, then the value when status is 0
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
  }

  request(tid: number, seq: number, request: unknown): void {
    const enc = this.enc;
    enc.reset(this.limit);
    enc.u32(tid);
    enc.u32(seq);
    enc.value(request);
    this.emit();
  }

  response(tid: number, seq: number, status: number, value: unknown): void {
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

/** Reads request frames (kernel side) without allocating a frame each. */
export function readRequests(channel: Channel, decoder: Decoder, take: (tid: number, seq: number, request: unknown) => void): number {
  return channel.requests.drain((offset) => {
    decoder.pos = offset;
    const tid = decoder.u32();
    const seq = decoder.u32();
    let request: unknown;
    try {
      request = decoder.value();
    } catch {
      request = null; // a corrupt frame is a malformed request: EINVAL
    }
    take(tid, seq, request);
  });
}

/** Reads response frames (task thread side) without allocating a frame each. */
export function readResponses(
  channel: Channel,
  decoder: Decoder,
  take: (tid: number, seq: number, status: number, value: unknown) => void,
): number {
  return channel.responses.drain((offset) => {
    decoder.pos = offset;
    const tid = decoder.u32();
    const seq = decoder.u32();
    const status = decoder.i32();
    take(tid, seq, status, status === Status.Ok ? decoder.value() : undefined);
  });
}
