// The inspector's HTTP server (node:http): the page's files, its state as
// JSON, a stream of Server-Sent Events, and for a controlled run the
// controls. It answers only requests addressed to it: bound to loopback,
// a request whose Host is not a loopback name is refused (a web page
// elsewhere cannot read it through a rebound DNS name), and a control must
// be a JSON POST from the page's own origin (another site cannot send one).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { PageFiles } from './assets.ts';
import type { ControlRequest, ControlView, Hello, TaskRow } from './protocol.ts';

/** The inspector could not start, or was given what it cannot take: the message says which and why. */
export class InspectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InspectError';
  }
}

/** A request the server refuses, with its status. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the server serves: a watched system or a saved file. */
export interface InspectorApp {
  hello(): Hello;
  /** Steers a controlled run; absent when there is none (the page is read-only). Throws a Refusal when it cannot. */
  control?(request: ControlRequest): Promise<ControlView>;
  /** Why there are no controls, for the answer to a control request. */
  readOnly: string;
  /** A trace's tasks at a time (seconds into it). */
  tasksAt?(seconds: number): TaskRow[];
}

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
/** A page that reads slower than the events come is dropped past this much unsent. */
const MAX_BACKLOG = 8 << 20;
const HEARTBEAT_MS = 15_000;
const MAX_BODY = 4096;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** What a failed listen means, in words. */
function listenProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'the port is in use';
    case 'EADDRNOTAVAIL':
      return 'no network interface of this machine has that address';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'no such host';
    default:
      return error.message;
  }
}

/** A host as it goes in a URL: IPv6 in brackets; 0.0.0.0 and :: as the loopback address that reaches them. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export class InspectServer {
  private readonly streams = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly app: InspectorApp,
    private readonly page: PageFiles,
    readonly url: string,
    private readonly loopback: boolean,
    private readonly port: number,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error));
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.heartbeat = setInterval(() => {
      for (const res of this.streams) res.write(': still here\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Listens on host:port (port 0: a free one); rejects with an InspectError saying why it cannot. */
  static listen(host: string, port: number, app: InspectorApp, page: PageFiles): Promise<InspectServer> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(new InspectError(`the inspector cannot listen on ${urlHost(host)}:${port}: ${listenProblem(error)}`));
      });
      server.listen({ host, port, exclusive: true }, () => {
        const bound = (server.address() as AddressInfo).port;
        resolve(new InspectServer(server, app, page, `http://${urlHost(host)}:${bound}/`, LOOPBACK.test(host), bound));
      });
    });
  }

  /** Sends an event to every open page. */
  broadcast(event: string, data: unknown): void {
    if (this.streams.size === 0) return;
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.streams) {
      if (res.writableLength > MAX_BACKLOG) {
        res.end();
        this.streams.delete(res);
      } else res.write(text);
    }
  }

  /** Pages connected now. */
  get pages(): number {
    return this.streams.size;
  }

  /** Ends every stream and connection and stops listening; idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearInterval(this.heartbeat);
      for (const res of this.streams) res.end();
      this.streams.clear();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.checkHost(req);
    const url = new URL(req.url ?? '/', 'http://inspector');
    const path = url.pathname;
    if (path === '/api/control') {
      if (req.method !== 'POST') throw new Refusal(405, 'controls are POSTed: POST /api/control with { "action": "pause" | "resume" | "step" | "run-to" }');
      return this.answer(res, 200, await this.control(req));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new Refusal(405, `the inspector takes GET here, not ${req.method}`);
    if (path === '/api/state') return this.answer(res, 200, this.app.hello());
    if (path === '/api/events') return this.stream(req, res);
    if (path === '/api/tasks') {
      if (!this.app.tasksAt) throw new Refusal(404, 'tasks at a time are for a saved trace');
      const at = Number(url.searchParams.get('at'));
      if (url.searchParams.get('at') === null || !Number.isFinite(at) || at < 0) throw new Refusal(400, "'at' must be a time in seconds, 0 or more");
      return this.answer(res, 200, this.app.tasksAt(at));
    }
    const name = path === '/' ? 'index.html' : path.slice(1);
    const body = this.page.get(name);
    if (!body) throw new Refusal(404, `no such page: ${path}`);
    res.writeHead(200, { 'Content-Type': TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream', 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** Bound to loopback, only requests that name a loopback host and this port. */
  private checkHost(req: IncomingMessage): void {
    if (!this.loopback) return;
    const host = req.headers.host ?? '';
    const match = /^(.*?)(?::(\d+))?$/.exec(host);
    const name = match?.[1] ?? '';
    if (!LOOPBACK.test(name) || (match?.[2] !== undefined && Number(match[2]) !== this.port)) {
      throw new Refusal(403, `the inspector answers only requests for its own address (${this.url}), not for host '${host}'`);
    }
  }

  private async control(req: IncomingMessage): Promise<ControlView> {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) throw new Refusal(415, 'a control is a JSON body (Content-Type: application/json)');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) throw new Refusal(403, `controls are taken only from the inspector's own page, not from ${origin}`);
    const body = await readBody(req);
    if (!this.app.control) throw new Refusal(403, this.app.readOnly);
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      throw new Refusal(400, 'the body is not JSON');
    }
    return this.app.control(checkRequest(request));
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify(this.app.hello())}\n\n`);
    this.streams.add(res);
    req.once('close', () => this.streams.delete(res));
  }

  private answer(res: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache' });
    res.end(body);
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const status = error instanceof Refusal ? error.status : 500;
    this.answer(res, status, { error: error instanceof Error ? error.message : String(error) });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new Refusal(413, `a control is at most ${MAX_BODY} bytes`));
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

const isStep = (v: unknown, least: number) => typeof v === 'number' && Number.isInteger(v) && v >= least && v <= 0xffffffff;

/** A control request, checked: what it must look like is the message. */
export function checkRequest(value: unknown): ControlRequest {
  const r = value as Record<string, unknown> | null;
  const usage = 'a control is { "action": "pause" }, { "action": "resume" }, { "action": "step", "count"?: N } or { "action": "run-to", "step": N }';
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Refusal(400, usage);
  const keys = Object.keys(r).filter((k) => k !== 'action');
  switch (r.action) {
    case 'pause':
    case 'resume':
      if (keys.length === 0) return { action: r.action };
      break;
    case 'step':
      if (keys.every((k) => k === 'count') && (r.count === undefined || isStep(r.count, 1))) return r.count === undefined ? { action: 'step' } : { action: 'step', count: r.count as number };
      throw new Refusal(400, `'count' must be a whole number of steps, at least 1; ${usage}`);
    case 'run-to':
      if (keys.every((k) => k === 'step') && isStep(r.step, 0)) return { action: 'run-to', step: r.step as number };
      throw new Refusal(400, `'step' must be the whole number of the step to stop before; ${usage}`);
  }
  throw new Refusal(400, usage);
}
