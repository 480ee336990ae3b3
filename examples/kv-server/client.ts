// A load-generating client. Slot 1: its badged cap to the service; slot 2:
// init's report Endpoint. Its shared Page is mapped at VALUE_ADDR. The
// watcher and the announcer copy through the kernel (sys.read, sys.write);
// the load goes through a view of the Page.
import { task } from 'caduceus/task';
import { decode, encode, MAX_VALUE, Op, Status, VALUE_ADDR } from './protocol.ts';

/** The value stored under a key at some version: deterministic, 64..3000 bytes. */
function valueFor(key: string, version: number): Uint8Array {
  let h = version * 2654435761;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  const length = 64 + ((h >>> 0) % 2937);
  const value = new Uint8Array(length);
  for (let i = 0; i < length; i++) value[i] = (h + i * 31) & 0xff;
  return value;
}

export default task(async (sys, arg: { id: number; ops: number; watch?: string; announce?: string }) => {
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
  let watched = '';
  if (arg.watch) {
    // Blocks in the server until another client puts the key.
    const answer = await sys.call(1, { label: Op.Wait, data: encode({ key: arg.watch }) });
    const { length } = decode<{ length: number }>(answer.data);
    watched = new TextDecoder().decode(await sys.read(VALUE_ADDR, length));
  }
  if (arg.announce) {
    const value = new TextEncoder().encode(arg.announce);
    await sys.write(VALUE_ADDR, value);
    await sys.call(1, { label: Op.Put, data: encode({ key: 'announcement', length: value.length }) });
  }
  // The shared Page, as a window on memory: values are written in place,
  // with no system call and no copy through the kernel.
  const shared = await sys.view(VALUE_ADDR, MAX_VALUE);
  const versions = new Map<string, number>();
  let wrong = 0;
  const t0 = performance.now();
  for (let i = 0; i < arg.ops; i++) {
    const key = `client${arg.id}/key${i % 32}`;
    if (i % 3 !== 2) {
      const version = (versions.get(key) ?? 0) + 1;
      const value = valueFor(key, version);
      shared.set(value);
      await sys.call(1, { label: Op.Put, data: encode({ key, length: value.length }) });
      versions.set(key, version);
    } else {
      const answer = await sys.call(1, { label: Op.Get, data: encode({ key }) });
      const expected = versions.has(key) ? valueFor(key, versions.get(key) as number) : undefined;
      if (answer.label === Status.Missing) wrong += expected ? 1 : 0;
      else {
        const { length } = decode<{ length: number }>(answer.data);
        if (!expected || !same(shared.subarray(0, length), expected)) wrong++;
      }
    }
  }
  const ms = performance.now() - t0;
  await sys.call(1, { label: Op.Stop, data: encode({ key: '' }) });
  await sys.send(2, { label: arg.id, data: encode({ ops: arg.ops, ms, wrong, watched }) });
  return 0;
});
