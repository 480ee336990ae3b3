// Command-line values: memory sizes, counts, durations and output paths,
// with readable errors.

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { INSPECT_HOST } from '../host/options.ts';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** "64MiB", "2048k", "1GiB", "4194304" (bytes) -> bytes. */
export function parseSize(text: string, option: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(`${option} takes a size such as 64MiB, 2048KiB or 1GiB, got '${text}'`);
  }
  return Number(match[1]) * unit;
}

/** --strategy of a controlled run: random (the default) or pct. */
export function parseStrategy(text: string | undefined): 'random' | 'pct' {
  const strategy = text ?? 'random';
  if (strategy !== 'random' && strategy !== 'pct') throw new UsageError(`--strategy takes random or pct, got '${strategy}'`);
  return strategy;
}

export function parseCount(text: string, option: string, min = 1): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${option} takes a whole number >= ${min}, got '${text}'`);
  return Number(text);
}

/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "1.5m", "500ms", "2h", "45" (seconds) -> milliseconds, > 0. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2] ?? 's'] : 0;
  if (!match || !(ms >= 1) || !Number.isFinite(ms)) {
    throw new UsageError(`${option} takes a duration such as 30s, 500ms, 2m or 1h (a bare number is seconds), got '${text}'`);
  }
  // A timer cannot wait longer (it would fire at once).
  if (ms > MAX_TIMER_MS) throw new UsageError(`${option} can be at most ${durationText(MAX_TIMER_MS)} (about 596h), got '${text}'`);
  return ms;
}

/** "30s" for 30000, "500ms" for 500: a duration as a person would write it. */
export function durationText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Refuses, before anything runs, an output file that could not be written:
 * its folder missing or not a folder, the path a folder, or no permission.
 */
export function checkOutputPath(path: string, option: string): void {
  const target = resolve(path);
  const folder = dirname(target);
  const why = (() => {
    if (!existsSync(folder)) return `the folder ${folder} does not exist`;
    if (!statSync(folder).isDirectory()) return `${folder} is not a folder`;
    if (existsSync(target) && statSync(target).isDirectory()) return 'it is a folder';
    try {
      accessSync(existsSync(target) ? target : folder, constants.W_OK);
    } catch {
      return 'permission denied';
    }
    return null;
  })();
  if (why !== null) throw new UsageError(`${option} cannot write ${path}: ${why}`);
}

/** An address to listen on. */
export interface Address {
  host: string;
  port: number;
}

/** The inspector's address unless told otherwise: loopback, any free port. */
export const LOOPBACK: Address = { host: INSPECT_HOST, port: 0 };

const ADDRESS = /^(?:\[([0-9a-f:.]+)\]|([^\s:/[\]]*))(?::(\d+))?$/i;

/** "127.0.0.1:8080", "localhost:0", "[::1]:9000", ":8080" or "8080" (loopback), "0.0.0.0" (any free port). */
export function parseAddress(text: string, option: string): Address {
  const bare = /^\d+$/.test(text) ? `:${text}` : text;
  const match = ADDRESS.exec(bare);
  const port = match?.[3] === undefined ? 0 : Number(match[3]);
  if (!match || port > 65535) {
    throw new UsageError(`${option} takes HOST:PORT, PORT or HOST (such as 127.0.0.1:8080, 8080, [::1]:8080; port 0 or none: a free one), got '${text}'`);
  }
  return { host: match[1] ?? (match[2] || LOOPBACK.host), port };
}

/**
 * Takes an option whose address is optional out of `args` (before any
 * `--`): `--inspect`, `--inspect HOST:PORT` or `--inspect=ADDRESS`. The
 * word after it counts as its address only when it looks like one (PORT or
 * HOST:PORT), so `--inspect init.ts` leaves init.ts in place. Returns the
 * other arguments, and the address (LOOPBACK when none is given) or null
 * when the option is absent.
 */
export function takeAddressOption(args: string[], option: string): { rest: string[]; address: Address | null } {
  const rest: string[] = [];
  let address: Address | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg !== option && !arg.startsWith(`${option}=`)) {
      rest.push(arg);
      continue;
    }
    if (address !== null) throw new UsageError(`${option} is given twice`);
    if (arg.startsWith(`${option}=`)) address = parseAddress(arg.slice(option.length + 1), option);
    else if (i + 1 < args.length && /^(\d+|(\[[0-9a-f:.]+\]|[^\s:/[\]-][^\s:/[\]]*)?:\d+)$/i.test(args[i + 1])) address = parseAddress(args[++i], option);
    else address = { ...LOOPBACK };
  }
  return { rest, address };
}

/** Where the inspector serves, for a person: its URL, and a warning when it is not on loopback. */
export function inspectorLines(command: string, url: string | undefined, host: string): string {
  if (url === undefined) return '';
  const open = /^(localhost|127(\.\d+){3}|::1)$/i.test(host) ? '' : `caduceus ${command}: the inspector listens on ${host}: anyone who can reach this machine can see the system\n`;
  return `caduceus ${command}: inspector at ${url}\n${open}`;
}
