// The inspector's HTTP server on its own, with a made-up app: the page's
// files, the state, the event stream, the refusals (read-only, foreign Host
// or origin, bad bodies), the messages of a listen that fails, and that
// close() leaves no stream, socket or port behind.

import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pageFiles } from '../../src/inspect/assets.ts';
import type { ControlRequest, ControlView, Hello } from '../../src/inspect/protocol.ts';
import { checkRequest, type InspectorApp, InspectServer, Refusal } from '../../src/inspect/server.ts';
import { control, EventReader, getJson, raw, state } from './helpers.ts';

const PAGE = new Map([
  ['index.html', Buffer.from('<!doctype html><title>page</title>')],
  ['app.js', Buffer.from('console.log(1)')],
  ['app.css', Buffer.from('body {}')],
]);

const hello: Hello = { mode: 'live', title: 'test', controllable: false, history: [], live: null, state: null, ended: null, notes: [] };

const servers: InspectServer[] = [];
const readers: EventReader[] = [];
afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(app: Partial<InspectorApp> = {}, host = '127.0.0.1', port = 0): Promise<InspectServer> {
  const server = await InspectServer.listen(host, port, { hello: () => hello, readOnly: 'read-only here', ...app }, PAGE);
  servers.push(server);
  return server;
}

function reader(url: string): EventReader {
  const r = new EventReader(url);
  readers.push(r);
  return r;
}

/** A port that something else holds. */
async function takenPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  return { port, release: () => new Promise((resolve) => holder.close(() => resolve())) };
}

describe('the inspector server', () => {
  it('binds loopback on a free port and serves the page, the state and 404 for the rest', async () => {
    const server = await serve();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<title>page</title>');
    const script = await fetch(new URL('app.js', server.url));
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await state(server.url)).toEqual(hello);
    const missing = await getJson<{ error: string }>(server.url, 'nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/no such page: \/nothing-here/);
  });

  it('streams a hello, then every event broadcast, to each page', async () => {
    const server = await serve();
    const a = reader(server.url);
    const b = reader(server.url);
    await a.until('hello', (e) => e.length > 0);
    await b.until('hello', (e) => e.length > 0);
    expect(a.events[0]).toEqual({ event: 'hello', data: hello });
    expect(server.pages).toBe(2);
    server.broadcast('live', { n: 1 });
    server.broadcast('state', { n: 2 });
    for (const r of [a, b]) {
      await r.until('two more events', (e) => e.length >= 3);
      expect(r.events.slice(1)).toEqual([
        { event: 'live', data: { n: 1 } },
        { event: 'state', data: { n: 2 } },
      ]);
    }
    a.close();
    await a.done;
    // The server forgets a page that went away.
    const deadline = Date.now() + 10_000;
    while (server.pages !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(server.pages).toBe(1);
  });

  it('refuses controls when the app has none, saying why', async () => {
    const server = await serve();
    const r = await control(server.url, { action: 'pause' });
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('read-only here');
    const get = await getJson<{ error: string }>(server.url, 'api/control');
    expect(get.status).toBe(405);
  });

  it('passes a checked control to the app and answers with its view', async () => {
    const asked: ControlRequest[] = [];
    const view = { steps: 3 } as ControlView;
    const server = await serve({
      control: async (request) => {
        asked.push(request);
        if (request.action === 'run-to') throw new Refusal(409, 'past it');
        return view;
      },
    });
    expect(await control(server.url, { action: 'step', count: 2 })).toEqual({ status: 200, body: view });
    expect(await control(server.url, { action: 'run-to', step: 1 })).toEqual({ status: 409, body: { error: 'past it' } });
    expect(asked).toEqual([
      { action: 'step', count: 2 },
      { action: 'run-to', step: 1 },
    ]);
    // What is not a control never reaches the app.
    expect((await control(server.url, 'not json')).status).toBe(400);
    expect((await control(server.url, { action: 'step', count: 0 })).body.error).toMatch(/'count' must be a whole number of steps/);
    expect((await control(server.url, { action: 'pause' }, { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await control(server.url, { action: 'pause' }, { 'Content-Type': 'application/json', Origin: 'http://evil.example' })).status).toBe(403);
    expect((await control(server.url, 'x'.repeat(5000))).status).toBe(413);
    expect(asked).toHaveLength(2);
  });

  it('answers only requests addressed to it by a loopback name', async () => {
    const server = await serve();
    const { port } = new URL(server.url);
    expect((await raw(server.url, '/api/state', { Host: `localhost:${port}` })).status).toBe(200);
    expect((await raw(server.url, '/api/state', { Host: `127.0.0.1:${port}` })).status).toBe(200);
    const foreign = await raw(server.url, '/api/state', { Host: `rebound.example:${port}` });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatch(/answers only requests for its own address/);
    expect((await raw(server.url, '/api/state', { Host: `localhost:${Number(port) + 1}` })).status).toBe(403);
    expect((await raw(server.url, '/api/state', { Host: `localhost:${port}` }, 'DELETE')).status).toBe(405);
  });

  it('says why it cannot listen: a port in use, an address not of this machine, no such host', async () => {
    const taken = await takenPort();
    try {
      await expect(serve({}, '127.0.0.1', taken.port)).rejects.toThrow(`the inspector cannot listen on 127.0.0.1:${taken.port}: the port is in use`);
    } finally {
      await taken.release();
    }
    // TEST-NET-1 (RFC 5737): no interface here has it.
    await expect(serve({}, '192.0.2.1', 0)).rejects.toThrow('the inspector cannot listen on 192.0.2.1:0: no network interface of this machine has that address');
    await expect(serve({}, 'no-such-host.invalid', 0)).rejects.toThrow(/the inspector cannot listen on no-such-host\.invalid:0: no such host/);
  });

  it('closes every stream and connection and frees its port', async () => {
    const server = await serve();
    const r = reader(server.url);
    await r.until('hello', (e) => e.length > 0);
    const port = Number(new URL(server.url).port);
    await server.close();
    await server.close(); // idempotent
    await r.done;
    expect(r.ended).toBe(true);
    await expect(fetch(server.url)).rejects.toThrow();
    // The port is free again: something else can take it.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => again.close(resolve));
  });
});

describe('control requests', () => {
  it.each([
    [{ action: 'pause' }, { action: 'pause' }],
    [{ action: 'resume' }, { action: 'resume' }],
    [{ action: 'step' }, { action: 'step' }],
    [{ action: 'step', count: 5 }, { action: 'step', count: 5 }],
    [{ action: 'run-to', step: 0 }, { action: 'run-to', step: 0 }],
  ])('%j is taken', (given, taken) => {
    expect(checkRequest(given)).toEqual(taken);
  });

  it.each([[null], [[]], ['pause'], [{}], [{ action: 'jump' }], [{ action: 'pause', count: 1 }], [{ action: 'step', count: 1.5 }], [{ action: 'step', count: -1 }], [{ action: 'run-to' }], [{ action: 'run-to', step: 'ten' }], [{ action: 'run-to', step: 2 ** 40 }]])('%j is refused', (given) => {
    expect(() => checkRequest(given)).toThrow(Refusal);
  });
});

describe("the page's files", () => {
  it('are bundled from the sources: the page, its script with cytoscape and uPlot, its styles', async () => {
    const files = await pageFiles();
    expect([...files.keys()].sort()).toEqual(['app.css', 'app.js', 'index.html']);
    const script = files.get('app.js')?.toString() ?? '';
    // Booleans: a failure should not print half a megabyte of script.
    expect(script.includes('cytoscape'), 'cytoscape in app.js').toBe(true);
    expect(script.includes('u-legend'), 'uPlot in app.js').toBe(true);
    expect(script.includes('caduceusInspector'), 'the page in app.js').toBe(true);
    expect(files.get('index.html')?.toString()).toMatch(/<script src="app.js">/);
    expect(files.get('app.css')?.toString()).toMatch(/\.u-legend/);
  }, 60_000);
});
