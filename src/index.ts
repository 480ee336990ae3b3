// The host-side entry point, `caduceus`. The kernel thread and `boot` arrive
// with the task threads; for now it offers the ABI constants and the sizing
// functions every program uses to reckon memory.

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
} from './kernel/abi.ts';
export type { BootInfo } from './kernel/boot.ts';
