// The Console (kernel.md 2): a device that prints text to the host. Init
// holds its capability at boot; printing needs WRITE.

import { Errno, ObjectType, Rights } from './abi.ts';
import type { Core, Failure } from './core.ts';
import { lookup } from './cspace.ts';

/** The most characters one print may carry. */
export const MAX_PRINT_CHARS = 1 << 16;

export function decodePrint(core: Core, task: number, req: Record<string, unknown>): { text: string } | Failure {
  const slots = core.slots;
  const cap = lookup(core, task, req.cap);
  if (cap === 0 || slots.type(cap) === ObjectType.Null) return Errno.EBADF;
  if (slots.type(cap) !== ObjectType.Console) return Errno.ENOTSUP;
  if ((slots.rights(cap) & Rights.WRITE) === 0) return Errno.EPERM;
  const text = req.text;
  if (typeof text !== 'string' || text.length > MAX_PRINT_CHARS) return Errno.EINVAL;
  return { text };
}
