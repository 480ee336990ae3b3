// The Console (docs/semantics.md §14): a device that prints text to the host. Init
// holds its capability at boot; printing needs WRITE.

import { Errno, MAX_PRINT_BYTES, ObjectType, Rights } from '../abi.ts';
import type { Core, Failure } from './state.ts';
import { invoked } from './cspace.ts';

/**
 * print(console, text): text of at most MAX_PRINT_BYTES of UTF-8 (16 KiB, so
 * any print fits a system call frame on every thread). Longer text arrives
 * from a task thread as its length (an Oversize marker), not a string: EINVAL
 * either way, after the checks of the invoked cap.
 */
export function decodePrint(core: Core, task: number, req: Record<string, unknown>): { text: string } | Failure {
  const cap = invoked(core, task, req.cap, ObjectType.Console, Rights.WRITE);
  if (cap < 0) return -cap;
  const text = req.text;
  if (typeof text !== 'string' || (text.length * 3 > MAX_PRINT_BYTES && utf8Length(text) > MAX_PRINT_BYTES)) return Errno.EINVAL;
  return { text };
}

/** Bytes of `s` in UTF-8 (a lone surrogate becomes the 3-byte replacement character). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
