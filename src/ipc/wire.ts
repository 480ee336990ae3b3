// System call frames on a channel's rings.
//
//   request:  u32 tid, u32 seq, then the request object (tagged encoding)
//   response: u32 tid, u32 seq, i32 status, then the value when status is 0
//
// status: 0 = success, > 0 = errno, Status.Killed = the task was killed and
// will get no further answers. `tid` names the task to the kernel thread;
// `seq` matches an answer to its call.

import type { Channel } from './channel.ts';
import { Decoder, Encoder } from './codec.ts';

export const Status = {
  Ok: 0,
  /** The task's object was destroyed while it ran: no further calls. */
  Killed: -1,
} as const;

/** Writes frames to one ring, keeping what does not fit until there is room. */
export class FrameWriter {
  private readonly enc = new Encoder();
  private readonly backlog: Uint8Array[] = [];

  constructor(private readonly push: (bytes: Uint8Array, length: number) => boolean) {}

  request(tid: number, seq: number, request: unknown): void {
    const enc = this.enc;
    enc.reset();
    enc.u32(tid);
    enc.u32(seq);
    enc.value(request);
    this.emit();
  }

  response(tid: number, seq: number, status: number, value: unknown): void {
    const enc = this.enc;
    enc.reset();
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
      if (!this.push(frame, frame.length)) return;
      this.backlog.shift();
    }
  }

  private emit(): void {
    const enc = this.enc;
    if (this.backlog.length === 0 && this.push(enc.bytes, enc.pos)) return;
    this.backlog.push(enc.bytes.slice(0, enc.pos));
  }
}

export function requestWriter(channel: Channel): FrameWriter {
  return new FrameWriter((bytes, length) => channel.requests.push(bytes, length));
}

export function responseWriter(channel: Channel): FrameWriter {
  return new FrameWriter((bytes, length) => channel.responses.push(bytes, length));
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
