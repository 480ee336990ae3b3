// What a worker and the store say to each other over the store's Endpoint.
// A call carries a batch of commands, in one message of at most 2,048
// bytes: for each, its argument count (u16) and each argument as a u16
// length and its bytes. The store answers with the RESP replies of the
// whole batch, in order; when they pass one message, the answer's label
// says how many bytes are still to come, and the worker calls with label
// MORE to get the next piece.

export const Label = {
  /** A batch of commands. */
  Commands: 0,
  /** The next piece of the replies to the last batch. */
  More: 1,
} as const;

/** Bytes of one message (MSG_MAX_BYTES). */
export const MESSAGE_BYTES = 2048;

/** Bytes a command takes in a batch. */
export function encodedLength(args: Uint8Array[]): number {
  let n = 2;
  for (const a of args) n += 2 + a.length;
  return n;
}

/** Collects commands into one message. */
export class Batch {
  readonly bytes = new Uint8Array(MESSAGE_BYTES);
  length = 0;
  count = 0;

  /** Adds a command; false when it does not fit (the caller sends the batch first). */
  add(args: Uint8Array[]): boolean {
    const n = encodedLength(args);
    if (this.length + n > MESSAGE_BYTES) return false;
    const b = this.bytes;
    let at = this.length;
    b[at++] = args.length & 0xff;
    b[at++] = args.length >>> 8;
    for (const a of args) {
      b[at++] = a.length & 0xff;
      b[at++] = a.length >>> 8;
      b.set(a, at);
      at += a.length;
    }
    this.length = at;
    this.count++;
    return true;
  }

  data(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
    this.count = 0;
  }
}

/** The commands of a batch, each as its arguments (views on `data`). */
export function decodeBatch(data: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let at = 0;
  while (at + 2 <= data.length) {
    const argc = data[at] | (data[at + 1] << 8);
    at += 2;
    const args: Uint8Array[] = [];
    for (let i = 0; i < argc && at + 2 <= data.length; i++) {
      const n = data[at] | (data[at + 1] << 8);
      at += 2;
      args.push(data.subarray(at, at + n));
      at += n;
    }
    out.push(args);
  }
  return out;
}
