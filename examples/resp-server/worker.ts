// A worker: serves one client connection at a time. Slot 1: the Endpoint on
// which the acceptor hands out Connections (each arrives, moved, in slot 3);
// slot 2: the store Endpoint, badged with the worker's number. It reads
// what the client sent, parses every complete command in it (pipelining),
// answers the commands that touch no data itself (PING, ECHO, CONFIG GET,
// INFO, ...), sends the rest to the store in batches of one IPC message,
// and writes all the replies back in order, in as few sendBytes as fit, the
// last of them with the wait for the client's next request in the same
// call (sendRecvBytes).
import { KernelError, task } from 'caduceus/task';
import { Batch, encodedLength, Label, MESSAGE_BYTES } from './protocol.ts';
import { commandName, parseCommands, Replies, shownArg } from './resp.ts';

const CONNECTIONS = 1;
const STORE = 2;
const CONN = 3;
const READ_BYTES = 16384;
const CONFIG: Record<string, string> = { save: '', appendonly: 'no' };
const LOCAL = new Set(['PING', 'ECHO', 'CONFIG', 'INFO', 'COMMAND', 'SELECT', 'CLIENT', 'QUIT', 'HELLO']);

export default task(async (sys) => {
  const out = new Replies();
  const batch = new Batch();
  let input = new Uint8Array(64 * 1024);

  /** Sends the batch to the store and appends its replies (in as many pieces as it takes). */
  const flush = async () => {
    if (batch.count === 0) return;
    let answer = await sys.call(STORE, { label: Label.Commands, data: batch.data() });
    batch.clear();
    out.raw(answer.data);
    while (answer.label > 0) {
      answer = await sys.call(STORE, { label: Label.More });
      out.raw(answer.data);
    }
  };

  /** Answers a command that needs no data; false for QUIT (close after the reply). */
  const local = (name: string, args: Uint8Array[]): boolean => {
    const n = args.length;
    switch (name) {
      case 'PING':
        if (n > 2) out.error("ERR wrong number of arguments for 'ping' command");
        else if (n === 2) out.bulk(args[1]);
        else out.simple('PONG');
        return true;
      case 'ECHO':
        if (n !== 2) out.error("ERR wrong number of arguments for 'echo' command");
        else out.bulk(args[1]);
        return true;
      case 'CONFIG': {
        if (n !== 3 || commandName(args[1]) !== 'GET') {
          out.error('ERR this server answers only CONFIG GET parameter');
          return true;
        }
        const wanted = Buffer.from(args[2]).toString('latin1').toLowerCase();
        const names = Object.keys(CONFIG).filter((k) => wanted === '*' || k === wanted);
        out.array(names.length * 2);
        for (const k of names) {
          out.bulk(k);
          out.bulk(CONFIG[k]);
        }
        return true;
      }
      case 'INFO':
        out.bulk('# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\nserver:caduceus-resp-example\r\n# Persistence\r\nloading:0\r\n');
        return true;
      case 'COMMAND':
        out.array(0);
        return true;
      case 'SELECT':
        if (n === 2 && shownArg(args[1]) === '0') out.simple('OK');
        else out.error('ERR DB index is out of range');
        return true;
      case 'CLIENT':
        out.simple('OK');
        return true;
      case 'HELLO':
        out.error('NOPROTO this server speaks RESP2 only');
        return true;
      default: // QUIT
        out.simple('OK');
        return false;
    }
  };

  /**
   * Writes the replies gathered so far and, unless `last`, reads what the
   * client sends next: the last piece of the replies and the read go as one
   * call. Null when the client is gone (or, with `last`, once all is sent).
   */
  const sendThenReceive = async (last: boolean): Promise<Uint8Array | null> => {
    try {
      let at = 0;
      for (; out.length - at > READ_BYTES; at += READ_BYTES) await sys.sendBytes(CONN, out.bytes.subarray(at, at + READ_BYTES));
      const rest = out.bytes.subarray(at, out.length);
      if (last) {
        if (rest.length > 0) await sys.sendBytes(CONN, rest);
        return null;
      }
      return rest.length > 0 ? await sys.sendRecvBytes(CONN, rest, READ_BYTES) : await sys.recvBytes(CONN, READ_BYTES);
    } catch (e) {
      if (e instanceof KernelError && e.code === 'EPIPE') return null; // reset mid-request
      throw e;
    } finally {
      out.clear();
    }
  };

  /** Serves the connection in slot 3 until its client ends it, resets it, quits, or sends garbage. */
  const serve = async () => {
    let start = 0;
    let end = 0;
    let got = await sendThenReceive(false);
    for (;;) {
      if (got === null || got.length === 0) return; // gone, or the client's end of stream
      if (end + got.length > input.length) {
        // Move the unparsed rest to the front, or grow (parseCommands bounds a request).
        const need = end - start + got.length;
        if (need > input.length) {
          const bigger = new Uint8Array(2 * need);
          bigger.set(input.subarray(start, end));
          input = bigger;
        } else input.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
      input.set(got, end);
      end += got.length;
      const parsed = parseCommands(input, start, end);
      start += parsed.used;
      let open = true;
      for (const args of parsed.commands) {
        const name = commandName(args[0]);
        if (LOCAL.has(name)) {
          await flush();
          open = local(name, args);
          if (!open) break;
          continue;
        }
        if (encodedLength(args) > MESSAGE_BYTES) {
          await flush();
          out.error(`ERR command of ${encodedLength(args)} bytes: this example passes each to its store in one IPC message of at most ${MESSAGE_BYTES}`);
          continue;
        }
        if (!batch.add(args)) {
          await flush();
          batch.add(args);
        }
      }
      await flush();
      if (parsed.error !== undefined) {
        out.error(`ERR ${parsed.error}`);
        open = false;
      }
      if (start === end) start = end = 0;
      got = await sendThenReceive(!open);
    }
  };

  for (;;) {
    try {
      await sys.recv(CONNECTIONS, { slots: [CONN] });
    } catch (e) {
      if (e instanceof KernelError && e.code === 'EPIPE') return 0; // the server is shutting down
      throw e;
    }
    await serve();
    await sys.destroy(CONN); // the last cap: the socket closes
  }
});
