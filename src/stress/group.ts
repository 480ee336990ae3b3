// One group of the stress workload, run by init itself or, when the run has
// more workers than one CSpace can keep track of, by a foreman task of its
// own: builds servers and clients (see worker.ts), lets them run, injects
// seeded faults, stops everything, reconciles the sequence numbers and
// destroys it all.
//
// The group's own calls compete with its workers' for the kernel and the
// pooled threads, so with thousands of clients running each takes a round
// of all of theirs. It therefore makes none per client while they run:
// every client waits at its hub's gate Notification, which one signal opens
// for all (a signal wakes every waiter), and each client passing it signals
// it again, so one that arrives late finds it open. With ops 0 each client
// stops by the clock, the same number of seconds after the gate opened.
//
// With ops 0 the group runs for `seconds`, injecting a fault now and then
// by the clock. With ops N its clients make N calls in all, and the group
// injects faults between its looks at the reports, by its seeded stream
// alone: no clock or timer decides anything, so a controlled run of it
// (caduceus stress --controlled) is a function of its seed and schedule. In
// a controlled run it waits by yielding; otherwise by a short sleep.
import { MSG_MAX_BYTES, ObjectType as T, Rights, type Sys } from '../task.ts';
import { Control, type GroupResult, type GroupSpec, HUB, Label, MAX_UNEXPECTED, rng, SHARE_PAGES, SIGNALLERS, Slot } from './rng.ts';

interface Worker {
  id: number;
  role: 'server' | 'client';
  task: number;
  cspace: number;
  share: number;
  control: number;
  /** Servers: the Memory their inbox came from, and the inbox. */
  inboxMemory?: number;
  inbox?: number;
  servers?: number[];
  fate: 'running' | 'killed' | 'threw' | 'inbox destroyed' | 'failed';
}

/** What the group runs in: the Memory it allocates from, its first free slot, and a Console to report to (or none). */
export interface GroupCaps {
  mem: number;
  firstFree: number;
  console: number | null;
}

const SERVERS_PER_CLIENT = 8;
/** With ops N: the chance that the group injects a fault at one of its looks that found no report. */
const FAULT_CHANCE = 0.01;
/** The longest a group waits between looks at its hubs. */
const MAX_IDLE_MS = 32;
const dec = new TextDecoder();
const enc = new TextEncoder();

export async function runGroup(sys: Sys, spec: GroupSpec, caps: GroupCaps): Promise<GroupResult> {
  const { tasks, seconds, ops, seed, faults } = spec;
  const pause = spec.controlled ? () => sys.yield() : (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const random = rng(seed);
  const mem = caps.mem;
  let next = caps.firstFree;
  const slot = () => next++;
  // Where init hears the workers (their reports and their endings, an
  // Endpoint of each) and opens their gate, per HUB workers.
  const hubs: Array<{ report: number; faults: number; gate: number }> = [];
  for (let h = 0; h * HUB < tasks; h++) {
    const hub = { report: slot(), faults: slot(), gate: slot() };
    await sys.alloc(mem, T.Endpoint, hub.report);
    await sys.alloc(mem, T.Endpoint, hub.faults);
    await sys.alloc(mem, T.Notification, hub.gate);
    hubs.push(hub);
  }
  const openGates = async () => {
    for (const hub of hubs) await sys.signal(hub.gate);
  };
  const nServers = Math.max(1, Math.floor(tasks / 2));
  const workers: Worker[] = [];
  for (let id = 0; id < tasks; id++) {
    const role = id < nServers ? 'server' : 'client';
    const w: Worker = { id, role, task: slot(), cspace: slot(), share: slot(), control: slot(), fate: 'running' };
    await sys.alloc(mem, T.Memory, w.share, { size: SHARE_PAGES });
    await sys.alloc(w.share, T.Task, w.task);
    await sys.alloc(w.share, T.CSpace, w.cspace, { size: 5 });
    await sys.alloc(w.share, T.Notification, w.control);
    await sys.copy({ cspace: w.cspace, slot: Slot.Share }, w.share);
    await sys.copy({ cspace: w.cspace, slot: Slot.Control }, w.control, { rights: Rights.READ });
    const hub = hubs[Math.floor(id / HUB)];
    await sys.copy({ cspace: w.cspace, slot: Slot.Report }, hub.report, { rights: Rights.WRITE });
    if (role === 'server') {
      w.inboxMemory = slot();
      w.inbox = slot();
      await sys.alloc(mem, T.Memory, w.inboxMemory, { size: 2 });
      await sys.alloc(w.inboxMemory, T.Endpoint, w.inbox);
      await sys.copy({ cspace: w.cspace, slot: Slot.Inbox }, w.inbox, { rights: Rights.READ | Rights.GRANT });
    }
    if (role === 'client') await sys.copy({ cspace: w.cspace, slot: Slot.Gate }, hub.gate, { rights: Rights.READ | Rights.WRITE });
    const fault = slot();
    await sys.copy(fault, hub.faults, { badge: id + 1 });
    await sys.configure(w.task, { cspace: w.cspace, fault });
    await sys.destroy(fault);
    workers.push(w);
  }
  const servers = workers.filter((w) => w.role === 'server');
  const clients = workers.filter((w) => w.role === 'client');
  for (const [c, w] of clients.entries()) {
    w.servers = Array.from({ length: Math.min(SERVERS_PER_CLIENT, servers.length) }, (_, j) => (c + j * 7) % servers.length);
    for (const [j, s] of w.servers.entries()) {
      await sys.copy({ cspace: w.cspace, slot: Slot.FirstServer + j }, servers[s].inbox as number, { badge: w.id + 1, rights: Rights.WRITE | Rights.GRANT });
    }
  }
  const program = new URL(`./worker${new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url.split('?')[0]);
  let dedicated = 0;
  for (const w of workers) {
    // With ops N, each client's share of the N calls.
    const c = w.id - nServers;
    const budget = ops > 0 && w.role === 'client' ? Math.floor(ops / clients.length) + (c < ops % clients.length ? 1 : 0) : undefined;
    const thread = w.id % 5 === 4 && Math.floor(w.id / 5) < spec.dedicated ? 'dedicated' : 'pool';
    if (thread === 'dedicated') dedicated++;
    await sys.start(w.task, program, { id: w.id, role: w.role, seed, servers: w.servers?.length ?? 0, budget, seconds: ops === 0 ? seconds : undefined }, { thread });
  }

  // Run, injecting faults now and then, and watching the fault Endpoints: a
  // worker that faults unasked is a failure of the run, and its inbox is
  // destroyed so no caller waits on it for ever.
  const injected: Record<string, number> = {};
  const endings: Record<string, number> = {};
  const unexpected: string[] = [];
  const watchEndings = async () => {
    for (const hub of hubs) await drainEndings(hub.faults);
  };
  const drainEndings = async (faults: number) => {
    for (;;) {
      const msg = await sys.nbrecv(faults).catch(() => null);
      if (!msg) return;
      endings[msg.label === 1 ? 'exit' : 'fault'] = (endings[msg.label === 1 ? 'exit' : 'fault'] ?? 0) + 1;
      const w = workers[msg.badge - 1];
      if (msg.label === 2 && w && w.fate === 'running') {
        unexpected.push(`worker ${w.id} (${w.role}): ${JSON.parse(dec.decode(msg.data)).error}`);
        w.fate = 'failed';
        if (w.inboxMemory) await sys.destroy(w.inboxMemory, w.inbox as number);
      }
    }
  };
  const inject = async () => {
    const kind = faults[Math.floor(random() * faults.length)];
    const candidates = (kind === 'destroy-endpoint' ? servers : workers).filter((w) => w.fate === 'running');
    if (candidates.length <= 1 || injected[kind] >= tasks / 6) return;
    const w = candidates[Math.floor(random() * candidates.length)];
    injected[kind] = (injected[kind] ?? 0) + 1;
    if (kind === 'kill') {
      w.fate = 'killed';
      await sys.destroy(w.task, w.cspace, w.share, ...(w.inboxMemory ? [w.inboxMemory, w.inbox as number] : []));
    } else if (kind === 'throw') {
      w.fate = 'threw';
      await sys.signal(await signaller(sys, w.control, Control.Throw));
      // A server looks at its control word after each message, or when its
      // recv fails: destroying its inbox makes sure it looks (and that
      // callers queued on it are not left waiting once it has thrown).
      if (w.role === 'server') await sys.destroy(w.inboxMemory as number, w.inbox as number);
    } else {
      w.fate = 'inbox destroyed';
      await sys.destroy(w.inboxMemory as number, w.inbox as number);
    }
  };

  // The workers' reports: what each client sent each server, and what each server received from each client.
  const sent = new Map<string, number>();
  const received = new Map<string, number>();
  let gaps = 0;
  let repeats = 0;
  let workerOps = 0;
  const finished = new Set<number>();
  /** The hub a look starts at: the one that last had a report. */
  let lastHub = 0;
  /** Takes one report if one waits; false if none did. */
  const takeReport = async (): Promise<boolean> => {
    let msg = null;
    for (let i = 0; i < hubs.length && !msg; i++) {
      const h = (lastHub + i) % hubs.length;
      if ((msg = await sys.nbrecv(hubs[h].report).catch(() => null))) lastHub = h;
    }
    if (!msg) return false;
    const r = JSON.parse(dec.decode(msg.data)) as { role: string; counts: Record<string, number>; gaps: number; repeats: number; ops: number; last: boolean };
    for (const [k, n] of Object.entries(r.counts)) {
      if (r.role === 'client') sent.set(`${msg.label}->${k}`, n);
      else received.set(`${Number(k) - 1}->${msg.label}`, n);
    }
    if (r.last) {
      gaps += r.gaps;
      repeats += r.repeats;
      workerOps += r.ops;
      finished.add(msg.label);
    }
    return true;
  };
  // A look at every hub costs two calls per HUB workers, so a group that
  // finds nothing waits twice as long before the next look, up to
  // MAX_IDLE_MS: thousands of workers polled every millisecond would flood
  // the kernel with the group's own calls.
  let idle = 1;
  const rest = async () => {
    await pause(idle);
    idle = Math.min(2 * idle, MAX_IDLE_MS);
  };
  // Reports are taken while they come; the endings and the workers still
  // awaited are looked at only when none waits, since both looks cost in
  // proportion to the group's size.
  const collect = async (expected: Set<number>) => {
    for (;;) {
      if (await takeReport()) {
        idle = 1;
        continue;
      }
      await watchEndings();
      for (const id of expected) if (workers[id].fate === 'failed' || finished.has(id)) expected.delete(id);
      if (expected.size === 0) return;
      await rest();
    }
  };

  // Every worker says it is ready (its thread up, its module loaded) before
  // the gates open, so that the run starts at full speed: a server still
  // loading when its clients start would hold them all up. Nothing runs
  // meanwhile, so the group's calls here are quick. A worker that failed
  // to load says so on the fault Endpoint instead.
  const ready = new Set<number>();
  while (ready.size + workers.filter((w) => w.fate === 'failed').length < tasks) {
    let heard = false;
    for (const hub of hubs) {
      const msg = await sys.nbrecv(hub.report).catch(() => null);
      if (msg) {
        ready.add(msg.label);
        heard = true;
        idle = 1;
      }
    }
    if (heard) continue;
    await watchEndings();
    await rest();
  }
  await openGates();
  if (caps.console !== null) await sys.print(caps.console, `stress: ${servers.length} servers and ${clients.length} clients running`);

  // A client killed between passing the gate and signalling it could leave
  // one that came later waiting: each look signals it too.
  if (ops === 0) {
    const deadline = performance.now() + seconds * 1000;
    while (performance.now() < deadline) {
      await pause(100);
      await openGates();
      await watchEndings();
      if (faults.length > 0 && random() >= 0.5) await inject();
    }
  } else {
    // Until every client still running has made its share of the calls and reported.
    const working = () => clients.some((w) => w.fate === 'running' && !finished.has(w.id));
    for (;;) {
      if (await takeReport()) {
        idle = 1;
        continue;
      }
      if (!working()) break;
      await openGates();
      await watchEndings();
      if (faults.length > 0 && random() < FAULT_CHANCE) await inject();
      await rest();
    }
  }

  // Stop: clients first, then servers (a message with label 0).
  for (const w of clients) if (w.fate === 'running') await sys.signal(await signaller(sys, w.control, Control.Stop));
  await collect(new Set(clients.filter((w) => w.fate === 'running').map((w) => w.id)));
  for (const w of servers) if (w.fate === 'running') await sys.send(w.inbox as number, { label: Label.Stop });
  await collect(new Set(servers.filter((w) => w.fate === 'running' || w.fate === 'inbox destroyed').map((w) => w.id)));

  // Reconcile: for every client and server that both reported, what one sent the other received.
  let lost = 0;
  let doubled = 0;
  let delivered = 0;
  const reported = new Set(workers.filter((w) => w.fate === 'running' || (w.fate === 'inbox destroyed' && w.role === 'server')).map((w) => w.id));
  for (const c of clients) {
    if (!reported.has(c.id)) continue;
    for (const [j, s] of (c.servers ?? []).entries()) {
      const server = servers[s];
      if (!reported.has(server.id)) continue;
      const out = sent.get(`${c.id}->${j}`) ?? 0;
      const got = received.get(`${c.id}->${server.id}`) ?? 0;
      delivered += out;
      if (got < out) lost += out - got;
      if (got > out) doubled += got - out;
    }
  }
  // The remaining fault messages: one per task that ended (the killed send none).
  await watchEndings();
  // Tear down everything and check every page came back.
  for (const w of workers) await sys.destroy(w.task, w.cspace, w.share, w.control, ...(w.inboxMemory ? [w.inboxMemory, w.inbox as number] : []));
  for (const hub of hubs) await sys.destroy(hub.report, hub.faults, hub.gate);
  return { servers: servers.length, clients: clients.length, dedicated, ops: workerOps, delivered, lost, doubled, gaps, repeats, injected, endings, unexpected: unexpected.slice(0, MAX_UNEXPECTED), unexpectedCount: unexpected.length };
}

/** The control Notification to signal, carrying `bits` as its badge (a badged copy, made once per signal). */
async function signaller(sys: Sys, control: number, bits: number): Promise<number> {
  const at = SIGNALLERS + bits;
  await sys.destroy(at);
  await sys.copy(at, control, { badge: bits });
  return at;
}

/** A group's result as a message body: the names of unexpected faults are cut short, then dropped, until it fits. */
export function encodeResult(result: GroupResult): Uint8Array {
  const named = { ...result, unexpected: result.unexpected.map((u) => u.slice(0, 160)) };
  for (;;) {
    const bytes = enc.encode(JSON.stringify(named));
    if (bytes.length <= MSG_MAX_BYTES || named.unexpected.length === 0) return bytes;
    named.unexpected.pop();
  }
}
