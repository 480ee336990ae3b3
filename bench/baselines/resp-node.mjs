// P11's baseline: the RESP server a user would otherwise write, plain
// single-threaded Node over a Map. It parses with the example's own parser
// (examples/resp-server/resp.ts) and answers SET, GET, PING and the CONFIG
// GET probes of redis-benchmark, so the two servers differ only in where
// the work runs: here all in one thread, there across the kernel, an
// acceptor, workers and a store. Run as a child process:
//   node --import tsx bench/baselines/resp-node.mjs   (prints "port N")

import { createServer } from 'node:net';
import { commandName, parseCommands, Replies } from '../../examples/resp-server/resp.ts';

const data = new Map();
const key = (arg) => Buffer.from(arg.buffer, arg.byteOffset, arg.length).toString('latin1');

const server = createServer({ noDelay: true }, (socket) => {
  let input = Buffer.alloc(0);
  const out = new Replies();
  socket.on('data', (chunk) => {
    input = input.length === 0 ? chunk : Buffer.concat([input, chunk]);
    const parsed = parseCommands(input, 0, input.length);
    for (const args of parsed.commands) {
      const name = commandName(args[0]);
      if (name === 'SET' && args.length === 3) {
        data.set(key(args[1]), args[2].slice());
        out.simple('OK');
      } else if (name === 'GET' && args.length === 2) out.bulk(data.get(key(args[1])) ?? null);
      else if (name === 'PING') out.simple('PONG');
      else if (name === 'CONFIG') {
        out.array(2);
        out.bulk(Buffer.from(args[2] ?? '').toString('latin1').toLowerCase());
        out.bulk('');
      } else out.error(`ERR unknown command '${name.toLowerCase()}'`);
    }
    input = input.subarray(parsed.used);
    if (parsed.error) {
      out.error(`ERR ${parsed.error}`);
      socket.end(Buffer.from(out.bytes.subarray(0, out.length)));
    } else socket.write(Buffer.from(out.bytes.subarray(0, out.length)));
    out.clear();
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
