// examples/resp-server under a real Redis client (ioredis), and raw sockets
// for what a client library never sends: inline commands, garbage, a client
// that vanishes mid-command. A SHUTDOWN ends the server, whose init then
// reports every page back.

import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { boot, type System } from '../../src/index.ts';
import { exchange, until } from '../net/helpers.ts';

const clients: Redis[] = [];
let system: System | undefined;

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await system?.shutdown();
  system = undefined;
});

async function startServer(workers: number): Promise<{ port: number; lines: string[] }> {
  const lines: string[] = [];
  system = await boot({
    init: new URL('../../examples/resp-server/init.ts', import.meta.url),
    net: ['127.0.0.1:0'],
    argv: [String(workers)],
    threads: 2,
    console: (line) => lines.push(line),
  });
  const port = await until(() => {
    const m = lines.map((l) => /listening on 127\.0\.0\.1:(\d+)/.exec(l)).find((x) => x);
    return m ? Number(m[1]) : undefined;
  });
  return { port, lines };
}

function redis(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

const raw = exchange;

describe('resp-server', () => {
  it('answers ioredis: every command, pipelines, binary values, errors, several clients at once', async () => {
    const { port } = await startServer(8);
    const a = redis(port);
    expect(await a.ping()).toBe('PONG');
    expect(await a.echo('hello there')).toBe('hello there');
    expect(await a.set('greeting', 'hello')).toBe('OK');
    expect(await a.get('greeting')).toBe('hello');
    expect(await a.get('nothing')).toBeNull();
    expect(await a.incr('n')).toBe(1);
    expect(await a.incr('n')).toBe(2);
    await expect(a.incr('greeting')).rejects.toThrow(/not an integer/);
    expect(await a.mset('x', '1', 'y', '2')).toBe('OK');
    expect(await a.mget('x', 'y', 'z')).toEqual(['1', '2', null]);
    expect(await a.exists('x', 'y', 'z')).toBe(2);
    expect(await a.del('x', 'z')).toBe(1);
    expect(await a.exists('x')).toBe(0);
    expect(await a.config('GET', 'save')).toEqual(['save', '']);
    expect(await a.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    await expect(a.call('NOSUCH', 'x')).rejects.toThrow(/unknown command 'nosuch'/);
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await a.set(binary, binary);
    expect((await a.getBuffer(binary))?.equals(binary)).toBe(true);
    // A pipeline of 3,000 commands goes out in large writes; replies come back in order.
    const p = a.pipeline();
    for (let i = 0; i < 1000; i++) p.set(`k${i}`, `v${i}`).get(`k${i}`).incr('count');
    const results = await p.exec();
    expect(results?.length).toBe(3000);
    for (let i = 0; i < 1000; i++) {
      expect(results?.[3 * i]).toEqual([null, 'OK']);
      expect(results?.[3 * i + 1]).toEqual([null, `v${i}`]);
      expect(results?.[3 * i + 2]).toEqual([null, i + 1]);
    }
    // Several clients at once, on several workers, see one store.
    const many = Array.from({ length: 6 }, () => redis(port));
    await Promise.all(many.map(async (c, i) => {
      for (let j = 0; j < 200; j++) await c.incr('shared');
      await c.set(`own${i}`, String(i));
    }));
    expect(await a.get('shared')).toBe('1200');
    expect(await many[5].get('own0')).toBe('0');
  });

  it('takes inline commands, refuses garbage, outlives clients that vanish, and shuts down with every page back', async () => {
    const { port, lines } = await startServer(4);
    expect(await raw(port, 'PING\r\nPING hi\r\n')).toBe('+PONG\r\n$2\r\nhi\r\n');
    expect(await raw(port, 'ECHO  two  words \r\nECHO\tone\r\nset k v\r\nget k\r\n')).toBe("-ERR wrong number of arguments for 'echo' command\r\n$3\r\none\r\n+OK\r\n$1\r\nv\r\n");
    // Garbage: an error, then the server closes the connection, as Redis does.
    expect(await raw(port, '*2\r\n$3\r\nGET\r\n#garbage\r\n', 5000)).toMatch(/^-ERR Protocol error: expected '\$', got '#'\r\n$/);
    expect(await raw(port, '*x\r\n', 5000)).toMatch(/^-ERR Protocol error: invalid multibulk length\r\n$/);
    // Half a command, then gone (a reset, and a plain close).
    const rude = connect({ host: '127.0.0.1', port });
    await new Promise((r) => rude.once('connect', r));
    rude.write('*3\r\n$3\r\nSET\r\n$1\r\nk');
    await new Promise((r) => setTimeout(r, 50));
    rude.resetAndDestroy();
    expect(await raw(port, '*3\r\n$3\r\nSET\r\n$1\r\nk', 200)).toBe('');
    // Every worker is free again: as many clients as workers, at once.
    const four = Array.from({ length: 4 }, () => redis(port));
    expect(await Promise.all(four.map((c) => c.get('k')))).toEqual(['v', 'v', 'v', 'v']);
    for (const c of four) c.disconnect();
    const stats = await (system as System).stats();
    expect(stats.net.listeners).toBe(1);
    const shut = connect({ host: '127.0.0.1', port });
    await new Promise((r) => shut.once('connect', r));
    shut.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    const status = await (system as System).exited;
    shut.destroy();
    expect(status.code).toBe(0);
    expect(lines.at(-1)).toBe('resp-server: shut down, every page back');
    expect(await (system as System).check()).toEqual({ ok: true, violations: [] });
    const after = await (system as System).stats();
    expect(after.net).toMatchObject({ listeners: 0, connections: 0, pending: 0 });
  });
});

