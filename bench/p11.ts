// P11: the resp-server example under redis-benchmark, side by side in one
// run with a plain single-threaded Node RESP server over a Map
// (baselines/resp-node.mjs) and, where it is installed, redis-server. Each
// server runs in its own process, started once; the rounds take turns
// between them, so a slow minute of a shared machine falls on all. Then
// memory: the resp-server's resident set while it serves 2,000,000 more
// requests.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { P11_MAX_GROWTH, P11_MIN_NODE as P11_MIN_RATIO } from './goals.ts';
import { type BenchOptions, type BenchReport, type Stats, summarize } from './harness.ts';
import { compiled } from './run-init.ts';


/** The repository's root, from the sources (bench/) or compiled (dist/bench/). */
const root = fileURLToPath(new URL(compiled ? '../..' : '..', import.meta.url));

/**
 * Checks that the files a server bench starts are there: the examples and
 * bench/baselines/ are in a clone of the repository, not in the package.
 */
export function needCheckout(id: string, ...paths: string[]): void {
  const missing = paths.filter((p) => !existsSync(join(root, p)));
  if (missing.length > 0) throw new Error(`${id} starts ${missing.join(' and ')}, which only a clone of the repository has (the package does not ship them): run it from a clone`);
}
const CLIENTS = 50;
const PIPELINE = 16;
/** Requests of each server's untimed warm-up round. */
const WARMUP_REQUESTS = 50_000;

type Kind = 'caduceus' | 'node' | 'redis' | 'http-caduceus' | 'http-node';

export interface Server {
  kind: Kind;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface P11Result {
  command: string;
  /** requests/s by server and test, over the rounds. */
  rps: Partial<Record<'caduceus' | 'node' | 'redis', { SET: Stats; GET: Stats }>>;
  ratio: { SET: number; GET: number };
  memory: { requests: number; warmKiB: number; endKiB: number; maxKiB: number; growth: number; samples: number[] };
  redis: boolean;
}

/** Starts a child and waits for the line `pattern` matches on its output; the port is the pattern's first group, or `port`. */
export function startChild(kind: Kind, command: string, args: string[], pattern: RegExp, port?: number): Promise<Server> {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`P11: the ${kind} server did not start within 30 s:\n${output}`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      const m = pattern.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', seen);
      child.stdout?.resume();
      child.stderr?.resume();
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const stop = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const late = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(late);
      };
      resolve({ kind, port: port ?? Number(m[1]), child, stop });
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => fail(new Error(`P11: the ${kind} server exited (${String(code)}):\n${output}`)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function onPath(program: string): Promise<boolean> {
  return new Promise((resolve) => execFile(program, ['--version'], (error) => resolve(error === null)));
}

async function startServer(kind: 'caduceus' | 'node' | 'redis'): Promise<Server> {
  // The same Node flags as this process: from the sources, that is tsx and the source condition.
  const node = [...process.execArgv];
  needCheckout('P11', 'examples/resp-server/init.ts', 'bench/baselines/resp-node.mjs');
  if (kind === 'caduceus') {
    return startChild(kind, process.execPath, [...node, 'bin/caduceus.mjs', 'run', '--net', '127.0.0.1:0', 'examples/resp-server/init.ts'], /listening on 127\.0\.0\.1:(\d+)/);
  }
  if (kind === 'node') return startChild(kind, process.execPath, [...node, '--import', 'tsx', 'bench/baselines/resp-node.mjs'], /port (\d+)/);
  const port = await freePort();
  return startChild(kind, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/, port);
}

function benchArgs(port: number, requests: number): string[] {
  return ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-n', String(requests), '-c', String(CLIENTS), '-P', String(PIPELINE), '--csv'];
}

/** One redis-benchmark run: requests/s of SET and GET. */
function redisBenchmark(port: number, requests: number): Promise<{ SET: number; GET: number }> {
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', benchArgs(port, requests), { timeout: 300_000 }, (error, stdout) => {
      if (error) return reject(new Error(`P11: redis-benchmark failed: ${error.message}`));
      const rps: Record<string, number> = {};
      for (const m of stdout.matchAll(/^"(SET|GET)","([\d.]+)"/gm)) rps[m[1]] = Number(m[2]);
      if (!(rps.SET > 0 && rps.GET > 0)) return reject(new Error(`P11: no figures in redis-benchmark's output:\n${stdout}`));
      resolve({ SET: rps.SET, GET: rps.GET });
    });
  });
}

export function residentKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** The resp-server's resident set, sampled while it serves `requests` more (half SET, half GET). */
async function memoryAcross(server: Server, requests: number): Promise<P11Result['memory']> {
  // `caduceus run` is the parent; the system runs in it (threads, not processes).
  const pid = server.child.pid as number;
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(residentKiB(pid)), 250);
  try {
    await redisBenchmark(server.port, requests / 2);
  } finally {
    clearInterval(timer);
  }
  samples.push(residentKiB(pid));
  // Warm-up: the first tenth of the samples (the heap and the touched physical memory settle).
  const warm = samples[Math.max(0, Math.floor(samples.length / 10) - 1)];
  const end = samples[samples.length - 1];
  return { requests, warmKiB: warm, endKiB: end, maxKiB: Math.max(...samples), growth: (end - warm) / warm, samples };
}

export async function benchP11(options: BenchOptions): Promise<P11Result> {
  if (!(await onPath('redis-benchmark'))) throw new Error('P11 needs redis-benchmark (Debian: apt-get install redis-tools)');
  const redis = await onPath('redis-server');
  const kinds: Array<'caduceus' | 'node' | 'redis'> = redis ? ['caduceus', 'node', 'redis'] : ['caduceus', 'node'];
  const requests = 200_000;
  const rounds = options.quick ? 1 : 5;
  const servers: Server[] = [];
  try {
    for (const kind of kinds) servers.push(await startServer(kind));
    // An untimed round for each first: every server's code compiled, as a long-running server's is.
    for (const server of servers) await redisBenchmark(server.port, WARMUP_REQUESTS);
    const samples = new Map<'caduceus' | 'node' | 'redis', { SET: number[]; GET: number[] }>(kinds.map((k) => [k, { SET: [], GET: [] }]));
    for (let r = 0; r < rounds; r++) {
      // Each round in another order, so no server always follows the same one.
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(i + r) % servers.length];
        const got = await redisBenchmark(server.port, requests);
        const s = samples.get(server.kind as 'caduceus' | 'node' | 'redis') as { SET: number[]; GET: number[] };
        s.SET.push(got.SET);
        s.GET.push(got.GET);
      }
    }
    const rps: P11Result['rps'] = {};
    for (const [kind, s] of samples) rps[kind] = { SET: summarize(s.SET), GET: summarize(s.GET) };
    const ours = rps.caduceus as { SET: Stats; GET: Stats };
    const plain = rps.node as { SET: Stats; GET: Stats };
    const memory = await memoryAcross(servers[0], options.quick ? 200_000 : 2_000_000);
    return {
      command: `redis-benchmark ${benchArgs(0, requests).join(' ').replace(' -p 0', ' -p PORT')}`,
      rps,
      ratio: { SET: ours.SET.median / plain.SET.median, GET: ours.GET.median / plain.GET.median },
      memory,
      redis,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export function p11Report(r: P11Result): BenchReport {
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  const names: Record<'caduceus' | 'node' | 'redis', string> = { caduceus: 'resp-server example (Caduceus)', node: 'plain Node, one thread, a Map', redis: 'redis-server (for scale)' };
  const rows: string[][] = [];
  for (const kind of ['caduceus', 'node', 'redis'] as const) {
    const s = r.rps[kind];
    if (!s) continue;
    for (const test of ['SET', 'GET'] as const) {
      const f = s[test];
      rows.push([names[kind], test, k(f.median), k(f.min), k(f.max), `${(f.spread * 100).toFixed(0)} %`]);
    }
  }
  const m = r.memory;
  const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
  return {
    id: 'P11',
    title: 'resp-server example under redis-benchmark, vs a plain Node RESP server (and redis-server)',
    tables: [
      { columns: ['server', 'test', 'median req/s', 'min', 'max', 'spread'], rows },
      {
        columns: ['resp-server memory', 'requests', 'after warm-up', 'end', 'max', 'growth'],
        rows: [['resident set', String(m.requests), mib(m.warmKiB), mib(m.endKiB), mib(m.maxKiB), `${(m.growth * 100).toFixed(1)} %`]],
      },
    ],
    verdicts: [
      ...(['SET', 'GET'] as const).map((test) => ({
        goal: `P11 ${test} >= ${P11_MIN_RATIO} x plain Node`,
        measured: `${r.ratio[test].toFixed(2)} x (${k((r.rps.caduceus as { SET: Stats; GET: Stats })[test].median)} vs ${k((r.rps.node as { SET: Stats; GET: Stats })[test].median)} req/s)`,
        met: r.ratio[test] >= P11_MIN_RATIO,
      })),
      { goal: `P11 memory flat across ${m.requests} requests (< ${P11_MAX_GROWTH * 100} % growth after warm-up)`, measured: `${(m.growth * 100).toFixed(1)} %`, met: m.growth < P11_MAX_GROWTH },
    ],
    notes: [
      `command: ${r.command}`,
      r.redis ? 'each server in its own process, started once; the rounds take turns between them' : 'redis-server is not installed: no Redis figure',
      `each server first serves an untimed round of ${WARMUP_REQUESTS.toLocaleString('en')} requests, so that its code is compiled, as a long-running server's is`,
    ],
    data: r,
  };
}
