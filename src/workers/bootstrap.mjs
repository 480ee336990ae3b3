// Every thread the system starts (kernel thread, pooled and dedicated task
// threads) begins here. Node 20 cannot load TypeScript in a worker through
// --import, so a `.ts` entry is loaded with tsx's tsImport; compiled `.js`
// entries load directly. The entry's default export is this module's (piscina
// takes it as the pooled threads' task handler).
import { workerData } from 'node:worker_threads';

const entry = workerData.entry;
const module = entry.endsWith('.ts')
  ? await (await import('tsx/esm/api')).tsImport(entry, import.meta.url)
  : await import(entry);

export default module.default;
