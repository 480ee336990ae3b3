// The Net device end to end: a server task listens, accepts, reads and
// writes through its caps while real node:net clients talk to it.

import { describe, expect, it } from 'vitest';
import { capabilityGraph } from '../../src/inspect/views.ts';
import { bytes, client, drain, serve } from './helpers.ts';

describe('a Net server task', () => {
  it('echoes what a client sends and sees its end of stream', async () => {
    const system = await serve('net-echo.ts', ['1']);
    // Waiting in accept is waiting for the world: no deadlock.
    expect(await system.deadlocks()).toEqual([]);
    expect(await system.check()).toEqual({ ok: true, violations: [] });
    // The capability graph draws the Net device as a device, and the Listener as an object.
    const graph = capabilityGraph(await system.snapshot());
    expect(graph.nodes.get('net_1')).toMatchObject({ type: 'Net', label: ['Net'] });
    expect([...graph.nodes.values()].filter((n) => n.type === 'Listener')).toHaveLength(1);
    const socket = await client(system.port);
    socket.write('hello, kernel');
    expect((await bytes(socket, 13)).toString()).toBe('hello, kernel');
    const big = Buffer.alloc(200_000, 7);
    socket.write(big);
    expect((await bytes(socket, big.length)).equals(big)).toBe(true);
    socket.end();
    await drain(socket);
    socket.destroy();
    const status = await system.exited;
    expect(status.value).toMatchObject({ seen: [{ bytes: 13 + big.length }], leaked: 0, connectionPages: 4 });
    expect(await system.check()).toEqual({ ok: true, violations: [] });
  });
});
