// Command-line values: memory sizes, counts, durations and output paths,
// with readable errors.

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

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
