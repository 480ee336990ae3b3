// A TypeScript init for `npx caduceus run init.ts -- ...`: says which copy of
// caduceus/task it runs with, checks that the runtime's KernelError is the
// class it imported, and starts a TypeScript child that answers on an Endpoint.
import { KernelError, ObjectType as T, task, type BootInfo, type Sys } from 'caduceus/task';

async function kernelErrorIsShared(sys: Sys): Promise<boolean> {
  const error: unknown = await sys.identify(2 ** 20).then(() => null, (e: unknown) => e); // no such slot
  return error instanceof KernelError && error.code === 'EBADF';
}

export default task(async (sys: Sys, boot: BootInfo) => {
  const memory = boot.memory[0];
  if (memory === undefined) throw new Error('init was given no Memory');
  await sys.print(boot.console, `caduceus/task is ${import.meta.resolve('caduceus/task')}`);
  await sys.print(boot.console, `one KernelError: ${await kernelErrorIsShared(sys)}`);
  await sys.alloc(memory.cap, T.Endpoint, 20);
  await sys.alloc(memory.cap, T.Task, 21);
  await sys.alloc(memory.cap, T.CSpace, 22, { size: 1 });
  await sys.copy({ cspace: 22, slot: 1 }, 20);
  await sys.configure(21, { cspace: 22 });
  await sys.start(21, new URL('./child.ts', import.meta.url), { words: boot.argv });
  const answer = await sys.recv(20);
  await sys.print(boot.console, new TextDecoder().decode(answer.data));
  await sys.destroy(21, 22, 20);
  return answer.label;
});
