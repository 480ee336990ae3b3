// examples/http-server under Node's fetch, and raw sockets for keep-alive,
// pipelining and bad requests.

import { afterEach, describe, expect, it } from 'vitest';
import { boot, type System } from '../../src/index.ts';
import { exchange, until } from '../net/helpers.ts';

let system: System | undefined;

afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

async function startServer(): Promise<string> {
  const lines: string[] = [];
  system = await boot({ init: new URL('../../examples/http-server/init.ts', import.meta.url), net: ['127.0.0.1:0'], argv: ['16'], threads: 2, console: (line) => lines.push(line) });
  return until(() => lines.map((l) => /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(l)?.[1]).find((x) => x));
}

/** One exchange with the server at `base` (see exchange). */
function raw(base: string, request: string, quietMs = 1000): Promise<string> {
  return exchange(Number(new URL(base).port), request, quietMs);
}

describe('http-server', () => {
  it('answers fetch with JSON from the data task, over kept-alive connections', async () => {
    const base = await startServer();
    const created = await fetch(`${base}items`, { method: 'POST', body: JSON.stringify({ name: 'kettle', watts: 2200 }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json');
    expect(await created.json()).toEqual({ name: 'kettle', watts: 2200, id: 1 });
    await fetch(`${base}items`, { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(1500) }) });
    expect(await (await fetch(`${base}items/1`)).json()).toEqual({ name: 'kettle', watts: 2200, id: 1 });
    // A list longer than one IPC message comes from the data task in pieces.
    const list = (await (await fetch(`${base}items`)).json()) as { count: number; items: Array<{ id: number }> };
    expect(list.count).toBe(2);
    expect(list.items.map((i) => i.id)).toEqual([1, 2]);
    expect((await fetch(`${base}items/9`)).status).toBe(404);
    expect((await fetch(`${base}items/1`, { method: 'PUT', body: '{}' })).status).toBe(405);
    expect((await fetch(`${base}nothing`)).status).toBe(404);
    expect((await fetch(`${base}items`, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await fetch(`${base}items/2`, { method: 'DELETE' })).status).toBe(204);
    // Requests at once, each on a connection of its own, each on a worker of its own (16 of them).
    const many = await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${base}items/${(i % 2) + 1}`).then((r) => r.status)));
    expect(many.filter((s) => s === 200)).toHaveLength(6);
    expect(many.filter((s) => s === 404)).toHaveLength(6);
  });

  it('keeps a connection alive for pipelined requests, closes on request, refuses what it cannot parse', async () => {
    const base = await startServer();
    const two = await raw(base, 'GET /items HTTP/1.1\r\nHost: x\r\n\r\nGET /items/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const responses = two.split('HTTP/1.1 ').slice(1);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^200 OK\r\n.*Connection: keep-alive\r\n\r\n\{"count":0,"items":\[\]\}$/s);
    expect(responses[1]).toMatch(/^404 Not Found\r\n.*Connection: close\r\n\r\n\{"error":"no item 1"\}$/s);
    expect(await raw(base, 'BREW /pot HTCPCP/1.0\r\n\r\n', 5000)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n.*Connection: close/s);
    expect(await raw(base, `POST /items HTTP/1.1\r\nContent-Length: 5000\r\n\r\n`, 5000)).toMatch(/^HTTP\/1\.1 413 /);
    // HTTP/1.0 closes unless asked to keep alive.
    expect(await raw(base, 'GET / HTTP/1.0\r\n\r\n', 5000)).toMatch(/Connection: close\r\n\r\n\{"service":"caduceus http-server example"/);
  });
});
