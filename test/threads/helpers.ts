// Booting systems in tests: every system a test boots is shut down after it.

import { afterEach } from 'vitest';
import { boot, type BootOptions, type System } from '../../src/index.ts';

const running: System[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.shutdown()));
});

export function fixture(name: string): URL {
  return new URL(`../fixtures/${name}`, import.meta.url);
}

export async function start(init: string, options: Partial<BootOptions> = {}): Promise<System & { lines: string[] }> {
  const lines: string[] = [];
  const system = await boot({ init: fixture(init), threads: 2, console: (line) => lines.push(line), ...options });
  running.push(system);
  return Object.assign(system, { lines });
}
