// A stress worker. Servers loop on recv and answer each call, sometimes moving
// the capability they received back with the answer; clients call random
// servers, attaching a Memory, an Endpoint or a Page cap by copy or move.
// Every call carries a sequence number per (client, server) pair; a server
// checks that each client's numbers arrive in order, with no gap or repeat.
// Each says it is ready first; a client starts once init opens the gate
// (see group.ts). With a budget it stops after that many answered calls;
// with seconds, that long after it passed the gate; either way also when
// init signals it to stop.
import { KernelError, ObjectType as T, task } from '../task.ts';
import { Control, Label, rng, Slot } from './rng.ts';

interface Arg {
  id: number;
  role: 'server' | 'client';
  seed: number;
  servers: number;
  /** Clients, with ops N: the calls to make before reporting. */
  budget?: number;
  /** Clients, with ops 0: how long to run once through the gate (init may stop them sooner). */
  seconds?: number;
}

const enc = (v: unknown) => JSON.stringify(v);

export default task(async (sys, arg: Arg) => {
  const random = rng(arg.seed ^ Math.imul(arg.id + 1, 0x9e3779b1));
  const control = async () => {
    const bits = await sys.poll(Slot.Control);
    if (bits & Control.Throw) throw new Error(`worker ${arg.id}: injected fault`);
    return (bits & Control.Stop) !== 0;
  };
  const counts: Record<number, number> = {};
  let gaps = 0;
  let repeats = 0;
  let ops = 0;
  /** Answers the last call, moving the received cap back if `withCap`; false if that cap was gone. */
  const answer = async (withCap: boolean): Promise<boolean> => {
    try {
      await sys.reply(withCap ? { caps: [{ cap: Slot.Landing, move: true }] } : {});
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      if (e.code === 'EBADF' && withCap) return false;
      // The caller was killed while waiting: nobody to answer (the cap stays here).
      if (e.code !== 'EPIPE') throw e;
    }
    return true;
  };
  /**
   * Allocates what a client hands on from its own Memory; false if that is
   * full, which happens when the servers of its last calls still hold what
   * it sent them: the call then goes without it.
   */
  const allocScratch = async (type: number, size?: number): Promise<boolean> => {
    try {
      await sys.alloc(Slot.Share, type, Slot.Scratch, size === undefined ? undefined : { size });
      return true;
    } catch (e) {
      if (e instanceof KernelError && e.code === 'ENOMEM') return false;
      throw e;
    }
  };
  // Init starts the run once every worker has said it is ready.
  await sys.send(Slot.Report, { label: arg.id });
  if (arg.role === 'server') {
    for (;;) {
      let msg;
      try {
        msg = await sys.recv(Slot.Inbox, { slots: [Slot.Landing] });
      } catch (e) {
        if (!(e instanceof KernelError) || (e.code !== 'EPIPE' && e.code !== 'EBADF')) throw e;
        await control(); // throws if init asked for it
        break; // the inbox was destroyed
      }
      ops++;
      if (msg.label === Label.Stop) break;
      const expected = (counts[msg.badge] ?? 0) + 1;
      if (msg.label > expected) gaps += msg.label - expected;
      else if (msg.label < expected) repeats++;
      counts[msg.badge] = Math.max(counts[msg.badge] ?? 0, msg.label);
      const back = msg.caps.length > 0 && random() < 0.5;
      // A cap received may be revoked before the answer (init destroyed the
      // Memory or Endpoint it named): moving it back is then EBADF, which
      // changes nothing, so the answer goes without it.
      if (!(await answer(back))) await answer(false);
      await sys.destroy(Slot.Landing);
      if (await control()) break;
    }
  } else {
    await sys.wait(Slot.Gate);
    // Open it again, for a client that comes to it after the signal.
    await sys.signal(Slot.Gate);
    const until = arg.seconds === undefined ? Infinity : performance.now() + arg.seconds * 1000;
    const alive = Array.from({ length: arg.servers }, (_, i) => i);
    const sent: Record<number, number> = {};
    while (alive.length > 0 && (arg.budget === undefined || ops < arg.budget) && performance.now() < until && !(await control())) {
      const at = Math.floor(random() * alive.length);
      const server = alive[at];
      const seq = (sent[server] ?? 0) + 1;
      const kind = random();
      const caps = [];
      if (kind < 0.25) {
        if (await allocScratch(T.Memory, 2)) caps.push({ cap: Slot.Scratch, move: true as const });
      } else if (kind < 0.5) {
        const moved = random() < 0.5;
        if (await allocScratch(T.Page)) caps.push(moved ? { cap: Slot.Scratch, move: true as const } : Slot.Scratch);
      } else if (kind < 0.6) {
        caps.push(Slot.FirstServer + server); // a copy of an Endpoint cap
      }
      try {
        const answer = await sys.call(Slot.FirstServer + server, { label: seq, data: enc({ from: arg.id }), caps }, { slots: [Slot.Landing] });
        sent[server] = seq;
        ops++;
        if (answer.caps.length > 0) await sys.destroy(Slot.Landing);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        if (e.code === 'EPIPE' || e.code === 'EBADF') alive.splice(at, 1); // that server is gone
        else if (e.code !== 'ENOMEM') throw e;
      }
      await sys.destroy(Slot.Scratch);
    }
    Object.assign(counts, sent);
  }
  // The final report, in chunks that fit a message.
  const entries = Object.entries(counts);
  for (let i = 0; i === 0 || i < entries.length; i += 100) {
    const last = i + 100 >= entries.length;
    await sys.send(Slot.Report, { label: arg.id, data: enc({ role: arg.role, counts: Object.fromEntries(entries.slice(i, i + 100)), gaps, repeats, ops, last }) });
  }
  return 0;
});
