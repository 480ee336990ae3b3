// The Console (docs/semantics.md §14): a device that prints text to the host. Init
// holds its capability at boot; printing needs WRITE.

import { Errno, ObjectType, Rights } from './abi.ts';
import type { Core, Failure } from './core.ts';
import { invoked } from './cspace.ts';

/** The most characters one print may carry. */
export const MAX_PRINT_CHARS = 1 << 16;

export function decodePrint(core: Core, task: number, req: Record<string, unknown>): { text: string } | Failure {
  const cap = invoked(core, task, req.cap, ObjectType.Console, Rights.WRITE);
  if (cap < 0) return -cap;
  const text = req.text;
  if (typeof text !== 'string' || text.length > MAX_PRINT_CHARS) return Errno.EINVAL;
  return { text };
}
