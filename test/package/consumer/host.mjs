// A host in plain JavaScript, as a user of the installed package writes one:
// the kernel core without threads, then a whole system whose init is .mjs.
import { boot } from 'caduceus';
import { bootKernel } from 'caduceus/core';

const core = bootKernel({ pages: 4096 });
console.log(`core: init's Memory has ${core.bootInfo.memory[0].pages} pages`);

const system = await boot({ init: new URL('./init.mjs', import.meta.url), threads: 2, console: (line) => console.log(line) });
const status = await system.exited;
await system.shutdown();
console.log(`host: init exited with ${status.code}${status.fault ? ` (${status.fault.name}: ${status.fault.message})` : ''}`);
process.exitCode = status.code;
