// The numbers, sizes and error class both public entry points export
// (`caduceus` for the host, `caduceus/task` for tasks).

export {
  PAGE_SIZE,
  MSG_MAX_BYTES,
  MSG_MAX_CAPS,
  MAX_COPY_BYTES,
  MAX_PRINT_BYTES,
  MAX_REFERENCES,
  ObjectType,
  Rights,
  Errno,
  KernelError,
  objectPages,
  memoryOverheadPages,
  typeName,
  errnoName,
  randomSource,
  type Identity,
} from './abi.ts';
export type { BootInfo } from './abi.ts';
