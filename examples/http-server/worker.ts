// An HTTP/1.1 worker: serves one client connection at a time, keeping it
// open between requests (keep-alive) until the client closes it or asks to.
// Slot 1: the Endpoint the acceptor hands Connections out on (each lands in
// slot 3); slot 2: the data task's Endpoint. Requests may be pipelined;
// each is answered in order, with JSON from the data task.
import { KernelError, task } from 'caduceus/task';
import { MORE, Op, PIECE_BYTES } from './protocol.ts';

const HANDOFF = 1;
const DATA = 2;
const CONN = 3;
const MAX_HEAD = 16 * 1024;
const REASONS: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Content Too Large', 431: 'Request Header Fields Too Large', 501: 'Not Implemented' };

interface Request {
  method: string;
  path: string;
  keepAlive: boolean;
  body: Uint8Array;
}

/** One request from the front of `text` (latin1 of the bytes): it, the bytes it used, or an error status; null when incomplete. */
function parseRequest(bytes: Uint8Array, text: string): { request: Request; used: number } | { error: number } | null {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return text.length > MAX_HEAD ? { error: 431 } : null;
  const lines = text.slice(0, headEnd).split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0]);
  if (!m) return { error: 400 };
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: 400 };
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.has('transfer-encoding')) return { error: 501 };
  const length = Number(headers.get('content-length') ?? '0');
  if (!Number.isInteger(length) || length < 0) return { error: 400 };
  if (length > PIECE_BYTES) return { error: 413 };
  const start = headEnd + 4;
  if (bytes.length < start + length) return null;
  const connection = (headers.get('connection') ?? '').toLowerCase();
  const keepAlive = m[3] === '1' ? connection !== 'close' : connection === 'keep-alive';
  return { request: { method: m[1], path: m[2], keepAlive, body: bytes.slice(start, start + length) }, used: start + length };
}

export default task(async (sys) => {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  /** Calls the data task and gathers every piece of its answer: the status and the body. */
  const ask = async (op: number, arg: unknown): Promise<{ status: number; body: string }> => {
    let answer = await sys.call(DATA, { label: op, data: arg === undefined ? undefined : typeof arg === 'string' ? arg : JSON.stringify(arg) });
    let text = decoder.decode(answer.data);
    while (answer.label > 0) {
      answer = await sys.call(DATA, { label: MORE });
      text += decoder.decode(answer.data);
    }
    return { status: Number(text.slice(0, 3)), body: text.slice(3) };
  };

  const route = async (r: Request): Promise<{ status: number; body: string }> => {
    const [path] = r.path.split('?');
    const id = /^\/items\/(\d+)$/.exec(path);
    if (path === '/') return { status: 200, body: JSON.stringify({ service: 'caduceus http-server example', routes: ['GET /items', 'POST /items', 'GET /items/:id', 'DELETE /items/:id'] }) };
    if (path === '/items' && r.method === 'GET') return ask(Op.List, undefined);
    if (path === '/items' && r.method === 'POST') return ask(Op.Create, decoder.decode(r.body));
    if (id && r.method === 'GET') return ask(Op.Get, Number(id[1]));
    if (id && r.method === 'DELETE') return ask(Op.Delete, Number(id[1]));
    if (path === '/items' || id) return { status: 405, body: JSON.stringify({ error: `${r.method} is not allowed on ${path}` }) };
    return { status: 404, body: JSON.stringify({ error: `nothing at ${path}` }) };
  };

  const response = (status: number, body: string, keepAlive: boolean): Uint8Array => {
    const payload = encoder.encode(body);
    const type = status === 204 ? '' : 'Content-Type: application/json\r\n';
    const head = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Unknown'}\r\n${type}Content-Length: ${status === 204 ? 0 : payload.length}\r\nConnection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`;
    const out = new Uint8Array(head.length + (status === 204 ? 0 : payload.length));
    out.set(encoder.encode(head));
    if (status !== 204) out.set(payload, head.length);
    return out;
  };

  /** Sends all of `bytes`, 16 KiB at a time; false when the client is gone. */
  const send = async (bytes: Uint8Array): Promise<boolean> => {
    try {
      for (let at = 0; at < bytes.length; at += 16384) await sys.sendBytes(CONN, bytes.subarray(at, at + 16384));
      return true;
    } catch (e) {
      if (e instanceof KernelError && e.code === 'EPIPE') return false;
      throw e;
    }
  };

  const serve = async () => {
    let pending: Uint8Array = new Uint8Array(0);
    for (;;) {
      let got: Uint8Array;
      try {
        got = await sys.recvBytes(CONN, 16384);
      } catch (e) {
        if (e instanceof KernelError && e.code === 'EPIPE') return;
        throw e;
      }
      if (got.length === 0) return;
      const joined = new Uint8Array(pending.length + got.length);
      joined.set(pending);
      joined.set(got, pending.length);
      pending = joined;
      for (;;) {
        const parsed = parseRequest(pending, Buffer.from(pending.buffer, pending.byteOffset, pending.length).toString('latin1'));
        if (parsed === null) break;
        if ('error' in parsed) {
          await send(response(parsed.error, JSON.stringify({ error: REASONS[parsed.error] }), false));
          return;
        }
        pending = pending.subarray(parsed.used);
        const { status, body } = await route(parsed.request);
        if (!(await send(response(status, body, parsed.request.keepAlive))) || !parsed.request.keepAlive) return;
      }
    }
  };

  for (;;) {
    try {
      await sys.recv(HANDOFF, { slots: [CONN] });
    } catch (e) {
      if (e instanceof KernelError && e.code === 'EPIPE') return 0;
      throw e;
    }
    await serve();
    await sys.destroy(CONN);
  }
});
