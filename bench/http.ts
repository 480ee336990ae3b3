// H: the http-server example under autocannon (50 connections, keep-alive,
// GET of one item), beside the same routes in plain single-threaded Node
// (baselines/http-node.mjs). Informative: no goal names it.

import { createRequire } from 'node:module';
import { type BenchOptions, type BenchReport, type Stats, summarize } from './harness.ts';
import { needCheckout, type Server, startChild } from './p11.ts';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: { url: string; connections: number; duration: number; pipelining?: number }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const CONNECTIONS = 50;

export interface HResult {
  rps: { caduceus: Stats; node: Stats };
  p50ms: { caduceus: number; node: number };
  seconds: number;
}

async function run(server: Server, seconds: number): Promise<AutocannonResult> {
  const url = `http://127.0.0.1:${server.port}/items/1`;
  // One item to read (a 404 would be measured too, but is not the point).
  await fetch(`http://127.0.0.1:${server.port}/items`, { method: 'POST', body: JSON.stringify({ name: 'kettle' }) });
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`H: ${result.errors} errors and ${result.non2xx} non-2xx answers from ${url}`);
  return result;
}

export async function benchH(options: BenchOptions): Promise<HResult> {
  const seconds = options.quick ? 2 : 5;
  const rounds = options.quick ? 1 : 3;
  const node = [...process.execArgv];
  needCheckout('H', 'examples/http-server/init.ts', 'bench/baselines/http-node.mjs');
  const servers = [
    await startChild('http-caduceus', process.execPath, [...node, 'bin/caduceus.mjs', 'run', '--net', '127.0.0.1:0', 'examples/http-server/init.ts'], /listening on http:\/\/127\.0\.0\.1:(\d+)\//),
    await startChild('http-node', process.execPath, [...node, 'bench/baselines/http-node.mjs'], /port (\d+)/),
  ];
  try {
    const rps = { caduceus: [] as number[], node: [] as number[] };
    const p50 = { caduceus: [] as number[], node: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const [i, key] of (['caduceus', 'node'] as const).entries()) {
        const got = await run(servers[i], seconds);
        rps[key].push(got.requests.average);
        p50[key].push(got.latency.p50);
      }
    }
    return { rps: { caduceus: summarize(rps.caduceus), node: summarize(rps.node) }, p50ms: { caduceus: summarize(p50.caduceus).median, node: summarize(p50.node).median }, seconds };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export function hReport(r: HResult): BenchReport {
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  const row = (name: string, s: Stats, p50: number) => [name, k(s.median), k(s.min), k(s.max), `${(s.spread * 100).toFixed(0)} %`, `${p50} ms`];
  return {
    id: 'H',
    title: 'http-server example under autocannon, vs the same routes in plain Node',
    tables: [{ columns: ['server', 'median req/s', 'min', 'max', 'spread', 'p50 latency'], rows: [row('http-server example (Caduceus)', r.rps.caduceus, r.p50ms.caduceus), row('plain Node, node:http', r.rps.node, r.p50ms.node)] }],
    verdicts: [],
    notes: [`autocannon -c ${CONNECTIONS} -d ${r.seconds} http://127.0.0.1:PORT/items/1 (GET, keep-alive); ratio ${(r.rps.caduceus.median / r.rps.node.median).toFixed(2)} x`],
    data: r,
  };
}
