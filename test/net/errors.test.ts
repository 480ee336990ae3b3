// The Net device's errors, each in its documented order, and its boot slot.

import { describe, expect, it } from 'vitest';
import { ObjectType, Rights } from '../../src/index.ts';
import { start } from '../threads/helpers.ts';
import { bytes, client, serve } from './helpers.ts';

describe('Net errors', () => {
  it('answers each mistake with its errno and leaves nothing behind', async () => {
    const system = await serve('net-errors.ts');
    const socket = await client(system.port);
    expect((await bytes(socket, 4)).toString()).toBe('ping');
    await new Promise((r) => socket.once('end', r));
    socket.end('pong');
    const status = await system.exited;
    socket.destroy();
    const value = status.value as { codes: Record<string, string>; netIdentity: { type: number; rights: number }; refs: number; sent: number; got: string; leaked: number };
    expect(value.codes).toEqual({
      'listen on the Console': 'ENOTSUP',
      'listen on a Null slot': 'EBADF',
      'listen without READ': 'EPERM',
      'listen with the Console as Memory': 'EBADF',
      'listen with Memory lacking WRITE': 'EPERM',
      'listen on a number': 'EINVAL',
      'listen on an address not granted': 'EPERM',
      'listen into an occupied slot': 'EEXIST',
      'alloc a Connection': 'EINVAL',
      'listen twice on one address': 'EBUSY',
      'nbaccept with nobody there': 'EAGAIN',
      'accept on the Net cap': 'ENOTSUP',
      'accept into an occupied slot': 'EEXIST',
      'recvBytes of 0': 'EINVAL',
      'recvBytes past 16 KiB': 'EINVAL',
      'nbrecvBytes with nothing there': 'EAGAIN',
      'recvBytes without READ': 'EPERM',
      'sendBytes without WRITE': 'EPERM',
      'shutdown without WRITE': 'EPERM',
      'sendBytes on the Listener': 'ENOTSUP',
      'sendBytes of a number': 'EINVAL',
      'sendBytes past 16 KiB': 'EINVAL',
      'sendBytes after shutdown': 'EPIPE',
      'shutdown twice': 'ok',
      'recvBytes after the end of stream': 'ok',
    });
    expect(value.netIdentity).toMatchObject({ type: ObjectType.Net, rights: Rights.ALL, refs: 1 });
    expect(value).toMatchObject({ refs: 3, sent: 4, got: 'pong', leaked: 0 });
  });

  it('grants no Net cap without the option', async () => {
    const system = await start('net-slot.ts');
    const status = await system.exited;
    expect(status.value).toEqual({ net: undefined, slot4: ObjectType.Null });
  });

  it('fails listen with EBUSY when the host cannot bind, and the Listener goes again', async () => {
    const { createServer } = await import('node:net');
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    try {
      const system = await start('net-slot.ts', { net: [`127.0.0.1:${port}`], argv: [`127.0.0.1:${port}`] });
      const status = await system.exited;
      expect(status.value).toEqual({ net: 4, slot4: ObjectType.Net, listen: 'EBUSY', leaked: 0, listener: ObjectType.Null });
    } finally {
      holder.close();
    }
  });
});

