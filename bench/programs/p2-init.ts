// P2 and P4: call + reply between init (a pooled thread) and a server on a
// dedicated thread. argv: calls per run, runs, then the modes to time.
// Returns { [mode]: ns per round trip, one per run }.
import { ObjectType as T, task, type BootInfo } from '../../src/task.ts';
import { sibling } from './sibling.ts';

export default task(async (sys, boot: BootInfo) => {
  const [callsArg, runsArg, ...modes] = boot.argv;
  const calls = Number(callsArg ?? 20_000);
  const runs = Number(runsArg ?? 5);
  const mem = boot.memory[0].cap;
  await sys.alloc(mem, T.Memory, 20, { size: 16 }); // the cap carried by P4
  const out: Record<string, number[]> = {};
  let slot = 100;
  for (const mode of modes as Array<'plain' | 'copy' | 'move'>) {
    const ep = slot++;
    const server = slot++;
    const cspace = slot++;
    await sys.alloc(mem, T.Endpoint, ep);
    await sys.alloc(mem, T.Task, server);
    await sys.alloc(mem, T.CSpace, cspace, { size: 3 });
    await sys.copy({ cspace, slot: 1 }, ep);
    await sys.configure(server, { cspace });
    await sys.start(server, sibling('p2-server', import.meta.url), { mode }, { thread: 'dedicated' });
    // A moved cap comes back into the other of slots 20 and 21 (landing slots must be Null).
    let at = 20;
    const once =
      mode === 'plain'
        ? () => sys.call(ep)
        : mode === 'copy'
          ? () => sys.call(ep, { caps: [20] })
          : () => {
              const from = at;
              at = 41 - at;
              return sys.call(ep, { caps: [{ cap: from, move: true }] }, { slots: [at] });
            };
    for (let i = 0; i < calls / 4; i++) await once(); // warm-up
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await once();
      samples.push(((performance.now() - t0) * 1e6) / calls);
    }
    out[mode] = samples;
    await sys.destroy(server, cspace, ep);
  }
  return out;
});
