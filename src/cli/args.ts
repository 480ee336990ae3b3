// Command-line values: memory sizes and counts, with readable errors.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** "64MiB", "512k", "1GiB", "4194304" (bytes) -> bytes. */
export function parseSize(text: string, option: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(`${option} takes a size such as 64MiB, 512KiB or 1GiB, got '${text}'`);
  }
  return Number(match[1]) * unit;
}

export function parseCount(text: string, option: string, min = 1): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${option} takes a whole number >= ${min}, got '${text}'`);
  return Number(text);
}
