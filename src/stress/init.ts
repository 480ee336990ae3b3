// The init of `caduceus stress`. It runs the workload's groups (group.ts):
// one itself, or, when the run has more workers than one CSpace keeps track
// of, one foreman task per group, each with a CSpace and a Memory of its
// own, whose results it adds up. Then it checks that every page came back.
// argv: tasks, seconds, seed, faults (comma list of kill, throw,
// destroy-endpoint), ops, 'controlled' or nothing, dedicated, group.
import { type BootInfo, ObjectType as T, Rights, type Sys, task } from '../task.ts';
import { runGroup } from './group.ts';
import { ForemanSlot, type GroupResult, type GroupSpec, groupPages, MAX_GROUP, MAX_UNEXPECTED, splitGroups } from './rng.ts';

export interface StressResult extends GroupResult {
  groups: number;
  freeAtBoot: number;
  freeAtEnd: number;
}

const dec = new TextDecoder();

export default task(async (sys: Sys, boot: BootInfo): Promise<StressResult> => {
  const [tasksArg, secondsArg, seedArg, faultsArg = '', opsArg = '0', mode = '', dedicatedArg, groupArg] = boot.argv;
  const tasks = Math.max(2, Number(tasksArg));
  const spec: GroupSpec = {
    tasks,
    seconds: Number(secondsArg),
    seed: Number(seedArg) >>> 0,
    faults: faultsArg.split(',').filter((f) => f.length > 0),
    ops: Math.max(0, Number(opsArg)),
    controlled: mode === 'controlled',
    dedicated: dedicatedArg === undefined ? Math.floor(tasks / 5) : Number(dedicatedArg),
  };
  const groups = splitGroups(spec, Math.min(MAX_GROUP, Number(groupArg ?? MAX_GROUP)));
  const mem = boot.memory[0].cap;
  const atBoot = await sys.freePages(mem);
  const result = groups.length === 1 ? await runGroup(sys, groups[0], { mem, firstFree: boot.free.start, console: boot.console }) : await runForemen(sys, boot, groups);
  return { ...result, groups: groups.length, freeAtBoot: atBoot, freeAtEnd: await sys.freePages(mem) };
});

/** Runs each group in a foreman task of its own and adds up their results. */
async function runForemen(sys: Sys, boot: BootInfo, groups: GroupSpec[]): Promise<GroupResult> {
  const mem = boot.memory[0].cap;
  let next = boot.free.start;
  // One Endpoint hears every foreman: its result (label 0), then its ending
  // (the kernel's fault message), badged with its group's number + 1.
  const reports = next++;
  await sys.alloc(mem, T.Endpoint, reports);
  const program = new URL(`./foreman${new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url.split('?')[0]);
  const foremen: Array<{ task: number; cspace: number; memory: number }> = [];
  for (const [g, spec] of groups.entries()) {
    const f = { task: next++, cspace: next++, memory: next++ };
    const fault = next;
    await sys.alloc(mem, T.Memory, f.memory, { size: groupPages(spec.tasks) });
    await sys.alloc(mem, T.Task, f.task);
    await sys.alloc(mem, T.CSpace, f.cspace, { size: 16 });
    await sys.copy({ cspace: f.cspace, slot: ForemanSlot.Memory }, f.memory);
    await sys.copy({ cspace: f.cspace, slot: ForemanSlot.Report }, reports, { rights: Rights.WRITE, badge: g + 1 });
    await sys.copy({ cspace: f.cspace, slot: ForemanSlot.Console }, boot.console);
    await sys.copy(fault, reports, { badge: g + 1 });
    await sys.configure(f.task, { cspace: f.cspace, fault });
    await sys.destroy(fault);
    await sys.start(f.task, program, spec);
    foremen.push(f);
  }
  const results: GroupResult[] = [];
  const failed: string[] = [];
  for (let waiting = groups.length; waiting > 0; ) {
    const msg = await sys.recv(reports);
    const g = msg.badge - 1;
    const text = dec.decode(msg.data);
    if (msg.label === 0) {
      results[g] = JSON.parse(text) as GroupResult;
      waiting--;
    } else if (results[g] === undefined && msg.label === 2) {
      // A foreman that failed leaves its workers running: its Memory, destroyed below, takes them all.
      failed.push(`foreman of group ${g}: ${JSON.parse(text).error}`);
      waiting--;
    }
  }
  for (const f of foremen) await sys.destroy(f.task, f.cspace, f.memory);
  await sys.destroy(reports);
  return addUp(results.filter((r) => r !== undefined), failed);
}

/** The run's result: the groups' figures summed, failed foremen counted as unexpected faults. */
function addUp(results: GroupResult[], failed: string[]): GroupResult {
  const sum = (pick: (r: GroupResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const merge = (pick: (r: GroupResult) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const r of results) for (const [k, n] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  return {
    servers: sum((r) => r.servers),
    clients: sum((r) => r.clients),
    dedicated: sum((r) => r.dedicated),
    ops: sum((r) => r.ops),
    delivered: sum((r) => r.delivered),
    lost: sum((r) => r.lost),
    doubled: sum((r) => r.doubled),
    gaps: sum((r) => r.gaps),
    repeats: sum((r) => r.repeats),
    injected: merge((r) => r.injected),
    endings: merge((r) => r.endings),
    unexpected: [...failed, ...results.flatMap((r) => r.unexpected)].slice(0, MAX_UNEXPECTED),
    unexpectedCount: failed.length + sum((r) => r.unexpectedCount),
  };
}
