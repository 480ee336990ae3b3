// Net tests: boot a server fixture on a free loopback port, learn the port
// from its Console line, and talk to it with node:net clients that the test
// ends itself.

import { connect, type Socket } from 'node:net';
import { start } from '../threads/helpers.ts';

/** Boots `init` granted 127.0.0.1:0 (any free port) and waits for its "port N" line. */
export async function serve(init: string, argv: string[] = [], options: Parameters<typeof start>[1] = {}) {
  const system = await start(init, { net: ['127.0.0.1:0'], argv: ['127.0.0.1:0', ...argv], ...options });
  const port = await until(() => {
    const line = system.lines.find((l) => l.startsWith('port '));
    return line ? Number(line.slice(5)) : undefined;
  });
  return Object.assign(system, { port });
}

/** Polls `probe` until it gives a value (10 s at most). */
export async function until<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A client socket, connected. */
export function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything a socket receives until its end (or close). */
export function drain(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Waits for `n` bytes on a socket (10 s at most). */
export function bytes(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => reject(new Error(`only ${got} of ${n} bytes came`)), 10_000);
    const on = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        clearTimeout(timer);
        socket.off('data', on);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', on);
  });
}

/**
 * Writes `request` on a fresh socket to `port` and gives everything the
 * server answers until it closes the socket, or until `quietMs` pass, when
 * this side ends it.
 */
export async function exchange(port: number, request: string | Buffer, quietMs = 300): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((r) => socket.once('connect', r));
  const got = drain(socket);
  socket.write(request);
  const timer = setTimeout(() => socket.end(), quietMs);
  const text = (await got).toString('latin1');
  clearTimeout(timer);
  socket.destroy();
  return text;
}
