// memory-handoff: a Memory cap passed between tasks over IPC. A copy goes
// to alice, who carves Pages out of it; she moves it on to bob, who copies
// it up to the limit of 256 references (the 257th fails with ERANGE) and
// moves it back. Revoking the Memory takes alice's Pages with it, and every
// page comes home.
//
//   npx caduceus run examples/memory-handoff/init.ts

import { ObjectType as T, task, type BootInfo } from 'caduceus/task';

export default task(async (sys, boot: BootInfo) => {
  const say = (text: string) => sys.print(boot.console, `init: ${text}`);
  const mem = boot.memory[0].cap;
  const atBoot = await sys.freePages(mem);
  const M = 20;
  await sys.alloc(mem, T.Memory, M, { size: 64 });
  await say(`split a 64-page Memory: ${await sys.freePages(M)} free in it, ${await sys.freePages(mem)} left in mine`);
  await sys.alloc(mem, T.Endpoint, 21, { count: 3 }); // 21 alice's inbox, 22 bob's, 23 mine
  for (const [slot, name, inbox, next] of [[30, 'alice', 21, 22], [40, 'bob', 22, 23]] as const) {
    await sys.alloc(mem, T.Task, slot);
    await sys.alloc(mem, T.CSpace, slot + 1, { size: 9 });
    await sys.copy({ cspace: slot + 1, slot: 1 }, inbox);
    await sys.copy({ cspace: slot + 1, slot: 2 }, next);
    await sys.copy({ cspace: slot + 1, slot: 3 }, boot.console);
    await sys.configure(slot, { cspace: slot + 1 });
    await sys.start(slot, new URL('./peer.ts', import.meta.url), { name });
  }
  await sys.send(21, { caps: [M] });
  await say('sent alice a copy of the Memory cap');
  const back = await sys.recv(23, { slots: [24] });
  await say(`bob moved his copy back into slot ${back.caps[0]}: ${(await sys.identify(M)).refs} references; alice's Pages leave ${await sys.freePages(M)} free`);
  // Revoke first, then tell alice to look: the other order races her identify calls.
  await sys.destroy(M, 24);
  await sys.send(21); // alice: look again after the revoke
  const report = await sys.recv(23);
  await say(`revoked the Memory; alice reports: ${new TextDecoder().decode(report.data)}`);
  await sys.destroy(30, 31, 40, 41, 21, 22, 23);
  const end = await sys.freePages(mem);
  await say(`everything returned: ${end} free (${end === atBoot ? 'as at boot' : `MISSING ${atBoot - end}`})`);
  return end === atBoot ? 0 : 1;
});
