// The installed package's inspector: its page is the bundle built into
// dist/inspector/, served while a system runs.
import { boot } from 'caduceus';

const system = await boot({ init: new URL('./init.mjs', import.meta.url), threads: 1, console: () => {}, inspect: true });
const page = await (await fetch(system.inspectUrl)).text();
const script = await fetch(new URL('app.js', system.inspectUrl));
const state = await (await fetch(new URL('api/state', system.inspectUrl))).json();
await system.exited;
await system.shutdown();
console.log(`page: ${/<title>Caduceus inspector<\/title>/.test(page)}; script: ${script.status} ${script.headers.get('content-type')}; mode: ${state.mode}`);
