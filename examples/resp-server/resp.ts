// RESP2, the Redis protocol, as this example speaks it: requests are arrays
// of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") or inline commands
// ("PING\r\n"), and replies are simple strings, errors, integers, bulk
// strings and arrays. The parser works on bytes in place and stops at the
// first incomplete command, so pipelined requests are read in one pass.

/** The most one request may hold before the server gives up on it (Redis's own limit is 512 MB). */
export const MAX_REQUEST_BYTES = 1 << 20;
const MAX_ARGS = 1 << 16;

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

export type Parsed = { commands: Uint8Array[][]; used: number; error?: undefined } | { error: string; commands: Uint8Array[][]; used: number };

/** Index of the CR of the next CRLF at or after `from`, or -1. */
function lineEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i + 1 < end; i++) if (buf[i] === CR && buf[i + 1] === LF) return i;
  return -1;
}

/** A decimal integer in buf[from, to), or NaN. */
function integer(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  let sign = 1;
  if (buf[i] === 45) {
    sign = -1;
    i++;
  }
  if (i >= to || to - i > 15) return Number.NaN;
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return sign * n;
}

/**
 * The complete commands in buf[start, end), each a list of its arguments
 * (views on `buf`), and the bytes they used; or, at the first malformed
 * one, an error for the client (the commands before it are still given).
 */
export function parseCommands(buf: Uint8Array, start: number, end: number): Parsed {
  const commands: Uint8Array[][] = [];
  let pos = start;
  const fail = (error: string): Parsed => ({ error, commands, used: pos - start });
  while (pos < end) {
    if (buf[pos] !== STAR) {
      // An inline command: words up to the end of the line.
      let nl = pos;
      while (nl < end && buf[nl] !== LF) nl++;
      if (nl === end) return end - pos > MAX_REQUEST_BYTES ? fail('Protocol error: too big inline request') : { commands, used: pos - start };
      const lineStop = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
      const words: Uint8Array[] = [];
      for (let i = pos; i < lineStop; ) {
        while (i < lineStop && (buf[i] === 32 || buf[i] === 9)) i++;
        const from = i;
        while (i < lineStop && buf[i] !== 32 && buf[i] !== 9) i++;
        if (i > from) words.push(buf.subarray(from, i));
      }
      pos = nl + 1;
      if (words.length > 0) commands.push(words);
      continue;
    }
    const head = lineEnd(buf, pos + 1, end);
    if (head < 0) break;
    const count = integer(buf, pos + 1, head);
    if (!Number.isInteger(count) || count > MAX_ARGS) return fail('Protocol error: invalid multibulk length');
    let at = head + 2;
    const args: Uint8Array[] = [];
    let complete = true;
    for (let i = 0; i < count; i++) {
      if (at >= end) {
        complete = false;
        break;
      }
      if (buf[at] !== DOLLAR) return fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[at])}'`);
      const lenEnd = lineEnd(buf, at + 1, end);
      if (lenEnd < 0) {
        complete = false;
        break;
      }
      const length = integer(buf, at + 1, lenEnd);
      if (!Number.isInteger(length) || length < 0 || length > MAX_REQUEST_BYTES) return fail('Protocol error: invalid bulk length');
      const data = lenEnd + 2;
      if (data + length + 2 > end) {
        complete = false;
        break;
      }
      if (buf[data + length] !== CR || buf[data + length + 1] !== LF) return fail('Protocol error: bulk string not ended by CRLF');
      args.push(buf.subarray(data, data + length));
      at = data + length + 2;
    }
    if (!complete) {
      if (end - pos > MAX_REQUEST_BYTES) return fail('Protocol error: too big request');
      break;
    }
    pos = at;
    if (args.length > 0) commands.push(args);
  }
  return { commands, used: pos - start };
}

const encoder = new TextEncoder();

/** Builds replies into one growing buffer. */
export class Replies {
  bytes = new Uint8Array(4096);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }

  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  ascii(text: string): void {
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.bytes[this.length++] = text.charCodeAt(i);
  }

  simple(text: string): void {
    this.ascii(`+${text}\r\n`);
  }

  error(text: string): void {
    this.ascii(`-${text}\r\n`);
  }

  integer(n: number): void {
    this.ascii(`:${n}\r\n`);
  }

  bulk(value: Uint8Array | string | null): void {
    if (value === null) {
      this.ascii('$-1\r\n');
      return;
    }
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    this.ascii(`$${bytes.length}\r\n`);
    this.raw(bytes);
    this.ascii('\r\n');
  }

  array(count: number): void {
    this.ascii(`*${count}\r\n`);
  }

  clear(): void {
    this.length = 0;
  }
}

/** A command's name in upper case (names are ASCII). */
export function commandName(arg: Uint8Array): string {
  let s = '';
  for (let i = 0; i < arg.length && i < 32; i++) {
    const c = arg[i];
    s += String.fromCharCode(c >= 97 && c <= 122 ? c - 32 : c);
  }
  return s;
}

/** An argument as text for an error message (as Redis shows it). */
export function shownArg(arg: Uint8Array): string {
  return Buffer.from(arg.subarray(0, 128)).toString('latin1').replace(/[\r\n]/g, ' ');
}
