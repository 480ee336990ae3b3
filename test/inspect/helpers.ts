// Talking to an inspector in tests: JSON over HTTP, the event stream read
// event by event, and raw requests with headers fetch will not send (Host).

import { request } from 'node:http';
import type { Hello } from '../../src/inspect/protocol.ts';

export async function getJson<T = unknown>(url: string, path: string): Promise<{ status: number; body: T }> {
  const answer = await fetch(new URL(path, url));
  return { status: answer.status, body: (await answer.json()) as T };
}

export async function state(url: string): Promise<Hello> {
  return (await getJson<Hello>(url, 'api/state')).body;
}

export async function control(url: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await fetch(new URL('api/control', url), { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}

/** A request with the headers given as they are (fetch sets Host itself). */
export function raw(url: string, path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface ServerEvent {
  event: string;
  data: unknown;
}

/** The event stream of an inspector, read as it comes; close() ends it. */
export class EventReader {
  readonly events: ServerEvent[] = [];
  ended = false;
  private readonly abort = new AbortController();
  private waiters: Array<() => void> = [];
  readonly done: Promise<void>;

  constructor(url: string) {
    this.done = this.read(url);
    this.done.catch(() => {});
  }

  private async read(url: string): Promise<void> {
    try {
      const answer = await fetch(new URL('api/events', url), { signal: this.abort.signal });
      if (!answer.body) return;
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of answer.body) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) this.events.push({ event, data: JSON.parse(data) });
          for (const wake of this.waiters.splice(0)) wake();
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      this.ended = true;
      for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /** Waits (up to `ms`) until `ok` holds of the events so far; throws saying what it waited for. */
  async until(what: string, ok: (events: ServerEvent[]) => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok(this.events)) {
      if (this.ended) throw new Error(`the stream ended before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms; events: ${this.events.map((e) => e.event).join(' ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  named(event: string): unknown[] {
    return this.events.filter((e) => e.event === event).map((e) => e.data);
  }

  close(): void {
    this.abort.abort();
  }
}

/** Polls `get` until `ok` holds of what it gives (up to `ms`); returns that. */
export async function poll<T>(what: string, get: () => Promise<T>, ok: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await get();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: not so within ${ms} ms; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`);
}
