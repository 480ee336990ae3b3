// alice and bob. Slots: 1 inbox, 2 the next one's inbox, 3 the Console.
import { KernelError, ObjectType as T, task } from 'caduceus/task';

export default task(async (sys, arg: { name: string }) => {
  const say = (text: string) => sys.print(3, `${arg.name}: ${text}`);
  await sys.recv(1, { slots: [10] });
  if (arg.name === 'alice') {
    // Init keeps its cap, so the Memory has exactly two references now.
    await say(`got a copy of the Memory cap in slot 10: it has ${(await sys.identify(10)).refs} references`);
    await sys.alloc(10, T.Page, 20, { count: 8 });
    await say(`carved 8 Pages from it: ${await sys.freePages(10)} free`);
    await sys.send(2, { caps: [{ cap: 10, move: true }] });
    await say(`moved the cap on to bob: slot 10 now holds ${(await sys.identify(10)).type === 0 ? 'nothing' : 'something'}`);
    await sys.recv(1); // after the revoke
    const alive: number[] = [];
    for (let i = 0; i < 8; i++) alive.push((await sys.identify(20 + i)).type);
    await sys.send(2, { data: `my 8 Pages are ${alive.every((t) => t === 0) ? 'all gone (Null)' : 'STILL THERE'}` });
    return 0;
  }
  const { refs } = await sys.identify(10);
  let copies = 0;
  for (let slot = 100; (await sys.identify(10)).refs! < 256; slot++, copies++) await sys.copy(slot, 10);
  await say(`got the cap (${refs} references) and copied it ${copies} times: 256 references`);
  const refused = await sys.copy(99, 10).then(() => 'allowed', (e: KernelError) => e.code);
  await say(`the 257th reference: ${refused}`);
  await sys.destroy(...Array.from({ length: copies }, (_, i) => 100 + i));
  await sys.send(2, { caps: [{ cap: 10, move: true }] });
  const final = await sys.recv(1);
  await sys.send(2, { data: final.data });
  return 0;
});
