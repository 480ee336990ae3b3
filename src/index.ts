// The host-side entry point, `caduceus`: boot a system, plus the ABI
// constants and sizing functions every program uses to reckon memory.

export { boot, type System, type ExitStatus, type SystemStats } from './host/boot.ts';
export { BootError, type BootOptions } from './host/options.ts';
export type { Snapshot } from './kernel/snapshot.ts';
export type { Message, Received, Dest, CAddr } from './workers/sys.ts';

export {
  PAGE_SIZE,
  MSG_MAX_BYTES,
  MSG_MAX_CAPS,
  MAX_REFERENCES,
  ObjectType,
  Rights,
  Errno,
  Op,
  KernelError,
  objectPages,
  memoryOverheadPages,
  typeName,
  errnoName,
  type ErrnoName,
  type ObjectTypeId,
  type Identity,
} from './kernel/abi.ts';
export type { BootInfo } from './kernel/boot.ts';
