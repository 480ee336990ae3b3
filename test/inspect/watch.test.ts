// The watch on its own, fed made-up samples: rates from counters, the
// tasks table, the state sent only when it changed, the pace that follows
// what samples cost, a controlled run's decisions, and the end.

import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/kernel/snapshot.ts';
import type { ControlStatus, LiveSample, LiveTask, SampleParts } from '../../src/kernel/thread/sampler.ts';
import type { EndView, LiveView, StateView } from '../../src/inspect/protocol.ts';
import { type SampleSource, TIMING, Watch, type WatchTiming, wait } from '../../src/inspect/watch.ts';

const FAST: WatchTiming = {
  live: { ms: 5, budget: 1, most: 5 },
  state: { ms: 5, budget: 1, most: 5 },
  check: { ms: 5, budget: 1, most: 5 },
};

const snapshot = (refs = 1): Snapshot => ({
  pageSize: 4096,
  pages: 1024,
  areas: [],
  objects: [{ phys: 0x10d000, type: 'Endpoint', pages: 1, refs, area: 0x107000 }],
  caps: [],
  tasks: [{ phys: 0x105000, state: 'blocked', cspace: null, vspace: null, fault: null, call: 'Recv', waitsOn: { type: 'Endpoint', phys: 0x10d000 } }],
  violations: [],
});

function task(over: Partial<LiveTask> = {}): LiveTask {
  return { phys: 0x105000, state: 'blocked', cspace: null, vspace: null, fault: null, call: 'Recv', waitsOn: { type: 'Endpoint', phys: 0x10d000 }, tid: 1, ordinal: 0, thread: 'pooled 0', calls: 0, errors: 0, launched: 0, lastCall: -1, since: -1, waiting: 'blocked', ...over };
}

function sample(at: number, calls: number, over: Partial<LiveSample> = {}): LiveSample {
  return {
    at,
    cost: 0,
    calls: { Recv: calls },
    errors: {},
    loop: { passes: 0, parks: at / 10, frames: 0, killed: 0, woken: 0, wakeups: 0, threadParks: 0 },
    blocked: 1,
    freePages: { '0x107000': 100 },
    tasks: [task({ calls, since: 0, lastCall: at })],
    endings: [],
    controlled: null,
    ...over,
  };
}

/** A source that hands out the samples given, one per call, then the last again; it records what it was asked. */
function source(samples: Array<(parts: SampleParts) => LiveSample>, costs: number[] = []): SampleSource & { asked: SampleParts[] } {
  const asked: SampleParts[] = [];
  return {
    asked,
    sample: async (parts) => {
      asked.push(parts);
      const i = Math.min(asked.length - 1, samples.length - 1);
      return { sample: samples[i](parts), cost: costs[i] ?? 0 };
    },
  };
}

function listener() {
  const got = { live: [] as LiveView[], state: [] as StateView[], end: [] as EndView[] };
  return { got, listener: { live: (v: LiveView) => got.live.push(v), state: (v: StateView) => got.state.push(v), end: (v: EndView) => got.end.push(v) } };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the watch', () => {
  it('turns counters into rates, and lists each task with its wait and calls per second', async () => {
    const withState = (s: LiveSample, parts: SampleParts) => (parts.state ? { ...s, snapshot: snapshot(), deadlocks: [] } : s);
    const src = source([(p) => withState(sample(1000, 10), p), (p) => withState(sample(1500, 60), p), (p) => withState(sample(2000, 160), p)]);
    const { got, listener: l } = listener();
    const watch = new Watch(src, l, FAST);
    watch.start();
    await until('three samples', () => got.live.length >= 3);
    await watch.stop();
    const [first, second, third] = got.live;
    expect(first.point).toMatchObject({ t: 0, calls: { Recv: 0 }, totalCalls: 10, blocked: 1, free: { '0x107000': 100 } });
    expect(second.point.t).toBeCloseTo(0.5);
    expect(second.point.calls.Recv).toBeCloseTo(100); // 50 calls in 0.5 s
    expect(second.point.parks).toBeCloseTo(100); // parks = at / 10: 50 in 0.5 s
    expect(third.point.calls.Recv).toBeCloseTo(200);
    expect(third.tasks).toHaveLength(1);
    expect(third.tasks[0]).toMatchObject({ phys: 0x105000, thread: 'pooled 0', call: 'Recv', waiting: 'blocked', calls: 160, ordinal: 0 });
    expect(third.tasks[0].callsPerSec).toBeCloseTo(200);
    expect(third.tasks[0].waitingFor).toBeCloseTo(2); // waiting since 0, now at 2000 ms
    expect(third.tasks[0].quietFor).toBe(0);
    expect(watch.history.map((p) => p.totalCalls)).toEqual([10, 60, 160]);
  });

  it('sends the state when it changes, not at every sample', async () => {
    let refs = 1;
    const src = source([(p) => ({ ...sample(performance.now(), 0), ...(p.state ? { snapshot: snapshot(refs), deadlocks: [] } : {}) })]);
    const { got, listener: l } = listener();
    const watch = new Watch(src, l, FAST);
    watch.start();
    await until('five state samples', () => src.asked.filter((p) => p.state).length >= 5);
    expect(got.state).toHaveLength(1);
    refs = 2;
    await until('the changed state', () => got.state.length === 2);
    await watch.stop();
    expect(got.state[1].snapshot.objects[0].refs).toBe(2);
  });

  it('warns of an object near 256 references, and of a task silent for long', async () => {
    const quiet = task({ state: 'ready', call: null, waitsOn: null, waiting: null, launched: 0, lastCall: 1000 });
    const src = source([(p) => ({ ...sample(60_000, 1, { tasks: [quiet] }), ...(p.state ? { snapshot: snapshot(250), deadlocks: [] } : {}) })]);
    const { got, listener: l } = listener();
    const watch = new Watch(src, l, FAST);
    watch.start();
    await until('a sample', () => got.live.length > 0);
    await watch.stop();
    const kinds = got.live[0].warnings.map((w) => w.kind);
    expect(kinds).toEqual(['references', 'silent']);
    expect(got.live[0].warnings[0].text).toBe('endpoint_10d000 is near the limit of 256 references');
    expect(got.live[0].warnings[1].text).toBe('task_105000 has made no system call for 59 s while running its own code');
  });

  it('keeps the latest check verdict in the states between checks', async () => {
    const src = source([(p) => ({ ...sample(performance.now(), 0), ...(p.state ? { snapshot: snapshot(), deadlocks: [] } : {}), ...(p.check ? { violations: ['invariant 3 broken'] } : {}) })]);
    const { got, listener: l } = listener();
    const watch = new Watch(src, l, FAST);
    watch.start();
    await until('a state', () => got.state.length > 0);
    await watch.stop();
    expect(src.asked[0]).toEqual({ state: true, check: true });
    expect(got.state[0].snapshot.violations).toEqual(['invariant 3 broken']);
    expect(got.live.at(-1)?.warnings.map((w) => w.kind)).toContain('violation');
  });

  it('merges a controlled run’s decisions as they come, keeping the latest', async () => {
    const status = (steps: number, from: number): ControlStatus => ({
      steps,
      limit: null,
      held: false,
      ended: false,
      enabled: [],
      tasks: [0x105000],
      decisions: Array.from({ length: steps - from }, (_, i) => ({ step: from + i, task: 0, op: 'Yield', result: 'OK' })),
    });
    // The third crossed a control's answer: it carries steps 3 and 4 again, then 5.
    const src = source([() => sample(1, 0, { controlled: status(3, 0) }), () => sample(2, 0, { controlled: status(5, 3) }), () => sample(3, 0, { controlled: status(6, 3) }), () => sample(4, 0, { controlled: status(9, 7) })]);
    const { got, listener: l } = listener();
    const watch = new Watch(src, l, FAST);
    watch.start();
    await until('four samples', () => got.live.length >= 4);
    await watch.stop();
    expect(got.live[1].controlled?.decisions.map((d) => d.step)).toEqual([0, 1, 2, 3, 4]);
    expect(got.live[2].controlled?.decisions.map((d) => d.step)).toEqual([0, 1, 2, 3, 4, 5]);
    // A gap (step 6 never seen): the list starts again from what came.
    expect(got.live[3].controlled?.decisions.map((d) => d.step)).toEqual([7, 8]);
  });

  it('slows down when samples cost more than their budget, and not for one slow sample', () => {
    expect(wait(TIMING.live, [])).toBe(250);
    expect(wait(TIMING.live, [0.5, 0.4, 0.6])).toBe(250); // 0.5 ms every 250 ms is 0.2 %
    expect(wait(TIMING.state, [20, 20, 20])).toBe(2000); // 20 ms at 1 % is every 2 s
    expect(wait(TIMING.state, [1, 1, 900, 1, 1])).toBe(500); // the median, not the collection's spike
    expect(wait(TIMING.state, [5000, 5000, 5000])).toBe(TIMING.state.most);
  });

  it('paces live samples on their own cost, not on a state sample’s', async () => {
    const src = source([(p) => sample(performance.now(), 0, p.state ? { snapshot: snapshot(), deadlocks: [] } : {})], [50, 50, 50, 50]);
    const timing: WatchTiming = { live: { ms: 5, budget: 1, most: 1000 }, state: { ms: 5, budget: 0.01, most: 60_000 }, check: { ms: 60_000, budget: 1, most: 60_000 } };
    const { got, listener: l } = listener();
    const watch = new Watch(src, l, timing);
    watch.start();
    // The first checked and the first state-only sample run cold and are not counted; the next
    // state sample's 50 ms at 1 % puts the one after 5 s away, while live ones keep coming.
    await until('live samples after the states', () => got.live.length >= 8);
    await watch.stop();
    expect(src.asked.filter((p) => p.state).length).toBe(3);
  });

  it('at the end takes one last sample, shows the state as init exited and says how it ended', async () => {
    const src = source([(p) => sample(10, 5, p.state ? { snapshot: snapshot(), deadlocks: [] } : {})]);
    const { got, listener: l } = listener();
    const watch = new Watch(src, l, FAST);
    watch.start();
    await until('a sample', () => got.live.length > 0);
    const final = { ...snapshot(), tasks: [] };
    watch.finish({ code: 1, fault: { name: 'Deadlock', message: 'no task can go on' }, snapshot: final, deadlocked: [] });
    watch.finish({ code: 2 }); // once only
    await watch.stop();
    expect(got.end).toEqual([{ code: 1, fault: { name: 'Deadlock', message: 'no task can go on' }, deadlocked: [] }]);
    expect(got.state.at(-1)).toMatchObject({ final: true, snapshot: final });
    expect(got.live.at(-1)?.warnings.map((w) => w.text)).toContain('the run failed: Deadlock: no task can go on');
    expect(watch.controllable).toBe(false);
    const asked = src.asked.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(src.asked.length).toBe(asked); // no more sampling
  });

  it('asks again after a sample that failed, and stops when told', async () => {
    let calls = 0;
    const src: SampleSource = {
      sample: async () => {
        calls++;
        if (calls === 1) throw new Error('the kernel thread did not answer a sample within 60 s');
        return { sample: sample(calls * 100, calls), cost: 0 };
      },
    };
    const { got, listener: l } = listener();
    const watch = new Watch(src, l, FAST);
    watch.start();
    await until('a sample after the failure', () => got.live.length > 0, 10_000);
    await watch.stop();
    const asked = calls;
    await new Promise((r) => setTimeout(r, 1200));
    expect(calls).toBe(asked);
  });
});
