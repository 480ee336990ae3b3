// The host-side entry point, `caduceus`: boot a system, plus the ABI
// constants and sizing functions every program uses to reckon memory.

export { boot, type System, type ExitStatus, type SystemStats } from './host/boot.ts';
export { BootError, type BootOptions } from './host/options.ts';
export type { Snapshot } from './kernel/snapshot.ts';
export type { DeadlockedTask } from './kernel/deadlock.ts';
export { explore, type ExploreOptions, type ExploreResult, type Failure as ExploreFailure } from './host/explore.ts';
export type { Message, Received, Dest, CAddr } from './workers/sys.ts';

export * from './constants.ts';
export { Op, type ErrnoName, type ObjectTypeId } from './abi.ts';
