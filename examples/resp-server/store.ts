// The store: the one task that holds the data. Slot 1: the store Endpoint,
// on which every worker calls with a batch of commands (protocol.ts); slot
// 2: init's control Endpoint, told when a client asks for SHUTDOWN. It
// serves one call at a time, so the commands of all clients are applied in
// one order, as one Redis does; each answer and the wait for the next call
// are one replyRecv.
import { type Message, task } from 'caduceus/task';
import { decodeBatch, Label, MESSAGE_BYTES } from './protocol.ts';
import { commandName, Replies } from './resp.ts';

const STORE = 1;
const CONTROL = 2;

export default task(async (sys) => {
  const data = new Map<string, Uint8Array>();
  const out = new Replies();
  /** Where the worker's next MORE piece starts in `out`. */
  let sent = 0;
  const key = (arg: Uint8Array) => Buffer.from(arg.buffer, arg.byteOffset, arg.length).toString('latin1');
  const wrongArgs = (name: string) => out.error(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
  let shutdown = false;

  const apply = (args: Uint8Array[]) => {
    const name = commandName(args[0]);
    const n = args.length;
    switch (name) {
      case 'SET':
        if (n !== 3) return n < 3 ? wrongArgs(name) : out.error('ERR syntax error');
        data.set(key(args[1]), args[2].slice());
        return out.simple('OK');
      case 'GET':
        if (n !== 2) return wrongArgs(name);
        return out.bulk(data.get(key(args[1])) ?? null);
      case 'DEL':
      case 'EXISTS': {
        if (n < 2) return wrongArgs(name);
        let count = 0;
        for (let i = 1; i < n; i++) {
          const k = key(args[i]);
          if (data.has(k)) count++;
          if (name === 'DEL') data.delete(k);
        }
        return out.integer(count);
      }
      case 'INCR': {
        if (n !== 2) return wrongArgs(name);
        const k = key(args[1]);
        const old = data.get(k);
        const text = old === undefined ? '0' : Buffer.from(old).toString('latin1');
        const value = /^-?(0|[1-9]\d{0,18})$/.test(text) ? BigInt(text) + 1n : null;
        if (value === null || value > 9223372036854775807n) return out.error('ERR value is not an integer or out of range');
        data.set(k, Buffer.from(value.toString(), 'latin1'));
        return out.integer(Number(value));
      }
      case 'MGET':
        if (n < 2) return wrongArgs(name);
        out.array(n - 1);
        for (let i = 1; i < n; i++) out.bulk(data.get(key(args[i])) ?? null);
        return;
      case 'MSET':
        if (n < 3 || n % 2 === 0) return wrongArgs(name);
        for (let i = 1; i < n; i += 2) data.set(key(args[i]), args[i + 1].slice());
        return out.simple('OK');
      case 'DBSIZE':
        return out.integer(data.size);
      case 'FLUSHALL':
      case 'FLUSHDB':
        data.clear();
        return out.simple('OK');
      case 'SHUTDOWN':
        shutdown = true;
        return out.simple('OK');
      default:
        return out.error(`ERR unknown command '${name.toLowerCase()}'`);
    }
  };

  /** The answer to a call: the next piece of the replies, labelled with what is left after it. */
  const piece = (): Message => {
    const end = Math.min(out.length, sent + MESSAGE_BYTES);
    const msg = { label: out.length - end, data: out.bytes.subarray(sent, end) };
    sent = end;
    return msg;
  };

  let call = await sys.recv(STORE);
  for (;;) {
    if (call.label === Label.Commands) {
      out.clear();
      sent = 0;
      for (const args of decodeBatch(call.data)) apply(args);
    }
    const answer = piece();
    if (shutdown) {
      // Init takes everything down; the worker's client sees its connection close.
      await sys.send(CONTROL, { label: 1 });
      shutdown = false;
    }
    call = await sys.replyRecv(STORE, answer);
  }
});
