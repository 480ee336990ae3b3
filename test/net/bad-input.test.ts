// The Net device under clients that misbehave: resets mid-request,
// half-closed sockets, floods of connections, readers and writers far slower
// than their peer. The server task sees clear errors, and nothing leaks.

import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bytes, client, drain, serve, until } from './helpers.ts';

describe('Net under bad input', () => {
  it('gives EPIPE to a reader whose client resets, and serves the next client', async () => {
    const system = await serve('net-echo.ts', ['2']);
    const rude = await client(system.port);
    rude.write('half a requ');
    await bytes(rude, 11);
    rude.resetAndDestroy();
    const polite = await client(system.port);
    polite.end('whole');
    expect((await drain(polite)).toString()).toBe('whole');
    polite.destroy();
    const status = await system.exited;
    expect(status.value).toMatchObject({ seen: [{ bytes: 11, error: 'EPIPE' }, { bytes: 5 }], leaked: 0 });
  });

  it('keeps a half-closed socket open both ways', async () => {
    const system = await serve('net-echo.ts', ['2', 'shut']);
    // The client ends its side first: the server still answers, and ends its own.
    const first = await client(system.port);
    first.end('x');
    expect((await drain(first)).toString()).toBe('bye');
    first.destroy();
    // The server ends its side first: the client still sends, and the server still reads.
    const second = await client(system.port);
    second.write('ab');
    await bytes(second, 3);
    await new Promise((r) => second.once('end', r));
    second.end('cdef');
    await new Promise((r) => second.once('close', r));
    const status = await system.exited;
    expect(status.value).toMatchObject({ seen: [{ bytes: 1 }, { bytes: 6 }], leaked: 0 });
  });

  it('accepts and closes 10,000 connections in a loop, leaving no object, socket or page behind', async () => {
    const system = await serve('net-echo.ts', ['10000', 'count']);
    let done = 0;
    const one = () =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: system.port });
        socket.once('connect', () => socket.end(done % 3 === 0 ? 'garbage\u0000\xff' : ''));
        socket.once('error', reject);
        socket.once('close', () => {
          done++;
          resolve();
        });
        socket.resume();
      });
    // Eight clients at a time, one after another on each.
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 1250; i++) await one();
    }));
    const status = await system.exited;
    expect(status.value).toMatchObject({ count: 10_000, errors: 0, leaked: 0 });
    const stats = await system.stats();
    expect(stats.net).toEqual({ listeners: 0, connections: 0, pending: 0, servers: 0, sockets: 0 });
    expect(await system.check()).toEqual({ ok: true, violations: [] });
  });

  it('stops reading a client whose server task does not read, and loses nothing', async () => {
    const system = await serve('net-slow.ts', ['in', '1500']);
    const socket = await client(system.port);
    const total = 64 << 20;
    const chunk = Buffer.alloc(1 << 20, 3);
    for (let i = 0; i < 64; i++) socket.write(chunk);
    // The kernel thread holds at most its ring and a chunk; the rest stays in this client (and the OS's buffers).
    await new Promise((r) => setTimeout(r, 700));
    expect(socket.writableLength).toBeGreaterThan(total / 2);
    socket.end();
    expect((await system.exited).value).toBe(total);
    socket.destroy();
  });

  it('makes a fast sender wait for a slow client, and loses nothing', async () => {
    const system = await serve('net-slow.ts', ['out', '100']);
    const socket = await client(system.port);
    socket.pause();
    const full = await until(() => {
      const line = system.lines.find((l) => l.startsWith('full after '));
      return line ? Number(line.slice(11)) : undefined;
    });
    expect(full).toBeLessThan(1 << 30);
    const received = drain(socket);
    socket.resume();
    expect((await received).length).toBe(full + 100 * 16384);
    expect((await system.exited).value).toBe(full + 100 * 16384);
    socket.destroy();
  });
});
