// Every thread the system starts (kernel thread, pooled and dedicated task
// threads) begins here. A compiled `.js` entry loads directly. A `.ts` entry
// means the system runs from source: Node 20 cannot load TypeScript in a
// worker through --import, so tsx's loader is registered for this thread
// (tsx/esm/api's register) before the entry is imported. It is registered
// for the whole thread, not through tsImport: tsImport gives every call a
// namespace of its own, and with it a second copy of each module it reaches.
// The entry's default export is this module's (piscina takes it as the
// pooled threads' task handler).
import { workerData } from 'node:worker_threads';

const entry = workerData.entry;
if (entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
const module = await import(entry);

export default module.default;
