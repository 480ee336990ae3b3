// boot() options: every one checked, with a message that says what is wrong
// and what would be right. Nothing starts until they all pass.

import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MAX_MEMORY_PAGES, MIN_MEMORY_PAGES, PAGE_SIZE } from '../abi.ts';
import type { ControlOptions, ScheduleRecord } from '../kernel/thread/controlled.ts';

export interface BootOptions {
  /** ES module of the init task (.ts or .js): a URL, or a path relative to the working directory. */
  init: URL | string;
  /** Passed to init in BootInfo.argv. */
  argv?: string[];
  /** Bytes of physical memory, whole pages, 1040 KiB (260 pages) to 4 GiB (default 64 MiB). */
  memory?: number;
  /** The boot memory map: page counts, one Memory cap each (default: one with all that is left). */
  regions?: number[];
  /** Pooled task threads, 1 to 64 (default: available cores). */
  threads?: number;
  /** Sink for Console output (default: standard output). */
  console?: (line: string, task: number) => void;
  /** Take a snapshot as init exits, before its objects are reclaimed: ExitStatus.snapshot. */
  snapshotAtExit?: boolean;
  /** Write a Chrome/Perfetto trace of the run to this file at shutdown. */
  trace?: string;
  /**
   * Controlled mode (docs/explore.md): one task runs its own code at a
   * time, and the order of every step comes from the strategy and the seed,
   * or from recorded decisions to replay. ExitStatus.schedule records it.
   */
  schedule?: Partial<ControlOptions> & {
    /** For 'replay' or 'guided': a recorded schedule (ExitStatus.schedule), giving the decisions and the seed. */
    schedule?: Pick<ScheduleRecord, 'seed' | 'decisions'>;
  };
  /**
   * Serve the live inspector page (docs/inspector.md) while the system
   * runs, at `system.inspectUrl`: on `host` (default 127.0.0.1) and `port`
   * (default 0: a free one). `paused` starts a controlled run paused
   * before its first step. `true` takes every default.
   */
  inspect?: true | InspectOptions;
  /**
   * Loopback addresses ('127.0.0.1:6380', '[::1]:6380'; port 0: any free
   * one) that init's Net cap, in slot 4, may listen on. Without it there
   * is no Net cap.
   */
  net?: string[];
}

export interface InspectOptions {
  host?: string;
  port?: number;
  paused?: boolean;
}

export interface BootConfig {
  initUrl: string;
  argv: string[];
  pages: number;
  regions: number[] | undefined;
  threads: number;
  snapshotAtExit: boolean;
  trace: boolean;
  schedule: ControlOptions | undefined;
  inspect: Required<InspectOptions> | undefined;
  net: string[];
}

export class BootError extends Error {
  constructor(message: string) {
    super(`boot: ${message}`);
    this.name = 'BootError';
  }
}

const KNOWN = new Set(['init', 'argv', 'memory', 'regions', 'threads', 'console', 'snapshotAtExit', 'trace', 'schedule', 'inspect', 'net']);
/** The inspector's address unless told otherwise: loopback, and any free port. */
export const INSPECT_HOST = '127.0.0.1';
export const DEFAULT_MEMORY = 64 * 1024 * 1024;
/**
 * The most pooled threads. Tasks share a pooled thread cooperatively, so
 * threads beyond the cores buy no parallelism, and each costs a worker start
 * (about 25 ms, 120 ms when it compiles TypeScript, and far more when many
 * start at once on few cores). A task that needs a thread of its own is
 * started with thread: 'dedicated'.
 */
export const MAX_THREADS = 64;

/** A module reference as a URL string; relative paths resolve against the working directory. */
export function moduleUrl(ref: URL | string): string {
  if (ref instanceof URL) return ref.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref) && !/^[a-z]:[\\/]/i.test(ref)) return new URL(ref).href;
  return pathToFileURL(isAbsolute(ref) ? ref : resolve(ref)).href;
}

/** Bytes in the largest unit that divides them: "64 MiB", "1040 KiB", "3000 bytes". */
export function sizeText(bytes: number): string {
  if (bytes % (1024 * 1024 * 1024) === 0) return `${bytes / (1024 * 1024 * 1024)} GiB`;
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** The bounds of 'memory', as every message gives them. */
export const MEMORY_BOUNDS = `from ${sizeText(MIN_MEMORY_PAGES * PAGE_SIZE)} (${MIN_MEMORY_PAGES} pages, the least init's objects need) to ${sizeText(MAX_MEMORY_PAGES * PAGE_SIZE)}`;

/** How a value looks in a message: strings quoted, the empty string named. */
function shown(value: unknown): string {
  if (value === '') return 'an empty string';
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'null';
  if (typeof value === 'object' || typeof value === 'function') return `a ${typeof value}`;
  return String(value);
}

export function checkOptions(options: unknown): BootConfig {
  if (typeof options !== 'object' || options === null) throw new BootError('takes an options object, e.g. boot({ init: "./init.ts" })');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new BootError(`unknown option '${key}' (known: ${[...KNOWN].join(', ')})`);
  }
  if (o.init === undefined) throw new BootError("'init' is required: the URL or path of init's module");
  if (!(o.init instanceof URL) && (typeof o.init !== 'string' || o.init.length === 0)) {
    throw new BootError(`'init' must be the URL or path of init's module, got ${shown(o.init)}`);
  }
  let initUrl: string;
  try {
    initUrl = moduleUrl(o.init);
  } catch {
    throw new BootError(`'init' is not a valid URL: ${String(o.init)}`);
  }
  if (initUrl.startsWith('file:')) {
    const path = fileURLToPath(initUrl);
    if (!existsSync(path) || !statSync(path).isFile()) throw new BootError(`init module not found: ${path}`);
  }
  const argv = o.argv ?? [];
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) throw new BootError("'argv' must be an array of strings");
  const memory = o.memory ?? DEFAULT_MEMORY;
  if (typeof memory !== 'number' || !Number.isInteger(memory) || memory % PAGE_SIZE !== 0) {
    throw new BootError(`'memory' must be a whole number of ${PAGE_SIZE}-byte pages in bytes, ${MEMORY_BOUNDS}; got ${shown(memory)}`);
  }
  const pages = memory / PAGE_SIZE;
  if (pages < MIN_MEMORY_PAGES || pages > MAX_MEMORY_PAGES) {
    throw new BootError(`'memory' must be ${MEMORY_BOUNDS}; got ${sizeText(memory)}`);
  }
  const regions = o.regions;
  if (regions !== undefined && (!Array.isArray(regions) || regions.length === 0 || !regions.every((r) => Number.isInteger(r) && r >= 1))) {
    throw new BootError("'regions' must be a non-empty array of page counts (whole numbers >= 1)");
  }
  const threads = o.threads ?? availableParallelism();
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new BootError(`'threads' must be a whole number from 1 to ${MAX_THREADS}, got ${shown(threads)}`);
  }
  if (o.console !== undefined && typeof o.console !== 'function') throw new BootError("'console' must be a function (line, task) => void");
  if (o.snapshotAtExit !== undefined && typeof o.snapshotAtExit !== 'boolean') throw new BootError("'snapshotAtExit' must be true or false");
  if (o.trace !== undefined && (typeof o.trace !== 'string' || o.trace.length === 0)) throw new BootError("'trace' must be the path of the file to write the trace to");
  const schedule = o.schedule === undefined ? undefined : checkSchedule(o.schedule);
  const inspect = o.inspect === undefined ? undefined : checkInspect(o.inspect, schedule !== undefined);
  const net = o.net === undefined ? [] : checkNet(o.net);
  if (net.length > 0 && schedule !== undefined) throw new BootError("'net' and 'schedule' do not go together: a controlled run replays its steps exactly, and clients outside it cannot be replayed");
  return { initUrl, argv: argv as string[], pages, regions: regions as number[] | undefined, threads, snapshotAtExit: o.snapshotAtExit === true, trace: o.trace !== undefined, schedule, inspect, net };
}

/** Checks the `net` option: loopback addresses, each 'a.b.c.d:port' in 127.0.0.0/8 or '[::1]:port', once each. */
export function checkNet(value: unknown): string[] {
  const usage = "'net' must be an array of loopback addresses such as ['127.0.0.1:6380'] (port 0: any free port)";
  if (!Array.isArray(value)) throw new BootError(`${usage}, got ${shown(value)}`);
  const seen = new Set<string>();
  for (const addr of value) {
    if (typeof addr !== 'string') throw new BootError(`${usage}; got ${shown(addr)} in it`);
    const m = /^(?:(127\.\d{1,3}\.\d{1,3}\.\d{1,3})|\[(::1)\]):(\d{1,5})$/.exec(addr);
    const octets = m?.[1]?.split('.').map(Number) ?? [];
    if (!m || octets.some((o) => o > 255) || Number(m[3]) > 65535) {
      throw new BootError(`'net' takes only loopback addresses, HOST:PORT with HOST in 127.0.0.0/8 or [::1] and PORT from 0 to 65535; got ${shown(addr)}`);
    }
    if (seen.has(addr)) throw new BootError(`'net' names ${shown(addr)} twice`);
    seen.add(addr);
  }
  return value as string[];
}

/** Checks the `inspect` option: true, or { host?, port?, paused? }. */
function checkInspect(value: unknown, controlled: boolean): Required<InspectOptions> {
  if (value === true) return { host: INSPECT_HOST, port: 0, paused: false };
  const usage = "'inspect' must be true or { host?, port?, paused? }";
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BootError(`${usage}, got ${shown(value)}`);
  const i = value as Record<string, unknown>;
  for (const key of Object.keys(i)) if (!['host', 'port', 'paused'].includes(key)) throw new BootError(`${usage}; unknown key '${key}'`);
  const host = i.host ?? INSPECT_HOST;
  if (typeof host !== 'string' || host.length === 0 || /[\s/]/.test(host)) throw new BootError(`'inspect.host' must be a host name or IP address to listen on, such as '127.0.0.1', got ${shown(host)}`);
  const port = i.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw new BootError(`'inspect.port' must be a port number from 0 (any free port) to 65535, got ${shown(port)}`);
  if (i.paused !== undefined && typeof i.paused !== 'boolean') throw new BootError("'inspect.paused' must be true or false");
  if (i.paused === true && !controlled) throw new BootError("'inspect.paused' needs a controlled run (the 'schedule' option): only a controlled run can be paused");
  return { host, port, paused: i.paused === true };
}

const STRATEGIES = ['random', 'pct', 'replay', 'guided'];
const isCount = (v: unknown, least: number) => typeof v === 'number' && Number.isInteger(v) && v >= least && v <= 0xffffffff;

/** Checks the `schedule` option: { seed, strategy, depth?, steps?, checkEvery?, decisions? }. */
function checkSchedule(value: unknown): ControlOptions {
  const usage = "'schedule' must be { seed, strategy: 'random' | 'pct' | 'replay' | 'guided', depth?, steps?, checkEvery?, decisions? or schedule? }";
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BootError(`${usage}, got ${shown(value)}`);
  const s = value as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!['seed', 'strategy', 'depth', 'steps', 'checkEvery', 'decisions', 'schedule'].includes(key)) throw new BootError(`${usage}; unknown key '${key}'`);
  }
  // A recorded schedule (ExitStatus.schedule, or a failure's) gives its decisions and its seed.
  const recorded = s.schedule as { seed?: unknown; decisions?: unknown } | undefined;
  if (recorded !== undefined) {
    if (typeof recorded !== 'object' || recorded === null || s.decisions !== undefined) throw new BootError("'schedule.schedule' must be a recorded schedule (ExitStatus.schedule), given instead of 'decisions'");
    return checkSchedule({ ...s, schedule: undefined, seed: s.seed ?? recorded.seed, decisions: recorded.decisions });
  }
  const strategy = s.strategy ?? 'random';
  if (typeof strategy !== 'string' || !STRATEGIES.includes(strategy)) throw new BootError(`'schedule.strategy' must be 'random', 'pct', 'replay' or 'guided', got ${shown(strategy)}`);
  const seed = s.seed ?? 0;
  if (!isCount(seed, 0)) throw new BootError(`'schedule.seed' must be a whole number from 0 to 4294967295, got ${shown(seed)}`);
  for (const key of ['depth', 'steps'] as const) {
    if (s[key] !== undefined && !isCount(s[key], 1)) throw new BootError(`'schedule.${key}' must be a whole number of at least 1, got ${shown(s[key])}`);
  }
  if (s.checkEvery !== undefined && !isCount(s.checkEvery, 0)) throw new BootError(`'schedule.checkEvery' must be a whole number of steps (0: only when the run stalls), got ${shown(s.checkEvery)}`);
  const decisions = s.decisions;
  const isDecision = (d: unknown, i: number) => {
    const r = d as Record<string, unknown>;
    return typeof d === 'object' && d !== null && r.step === i && isCount(r.task, 0) && typeof r.op === 'string';
  };
  const follows = strategy === 'replay' || strategy === 'guided';
  if (follows && (!Array.isArray(decisions) || !decisions.every(isDecision))) {
    throw new BootError("'schedule.decisions' must be the recorded decisions to follow: [{ step: 0, task, op }, { step: 1, ... }, ...]");
  }
  if (!follows && decisions !== undefined) throw new BootError("'schedule.decisions' is only for strategies 'replay' and 'guided'");
  const { schedule: _recorded, ...options } = s;
  return { ...options, seed, strategy } as ControlOptions;
}
