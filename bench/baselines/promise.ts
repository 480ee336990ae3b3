// B7: B2 with a promise per round trip on the main side, the least any
// awaited call can cost. The worker is B2's (atomics-echo.mjs, B2's spin
// policy); only what the main thread does around each exchange differs.
//
// - resolved (B7): each round trip is B2's exchange wrapped in a function
//   that returns `Promise.resolve(answer)`, and the loop awaits it: one
//   already-resolved promise and one await per round trip.
// - pending (informative): the shape of a call whose answer a pump
//   delivers. The call publishes its request, parks a resolver in a
//   Map<seq, resolver> and queues a microtask; the microtask (the pump) waits
//   for the answer, finds the resolver by the answer's sequence number,
//   deletes it and resolves the promise the loop awaits.
//
// Every answer is checked by the exchange itself and again after the await;
// at the end the worker's count of echoes must equal the round trips made,
// and the pending map must be empty.

import { type AtomicsConfig, openAtomics } from './atomics.ts';
import { type Subject, elapsedNs } from './subject.ts';

export type PromiseShape = 'resolved' | 'pending';

interface Resolver {
  resolve(answer: number): void;
  reject(error: Error): void;
}

/** Starts B2's worker and returns B7's subject of the given shape. */
export async function startPromised(shape: PromiseShape, spin: AtomicsConfig): Promise<Subject> {
  if (spin.mode !== 'spin') throw new Error('B7 is B2 with a promise: it needs the spin mode');
  const pair = await openAtomics(spin);
  const main = pair.main;
  let seq = 0;
  let made = 0;
  const pending = new Map<number, Resolver>();

  /** resolved: B2's exchange, its answer handed back as a resolved promise. */
  const exchange = (request: number): Promise<number> => {
    main.send(request);
    return Promise.resolve(main.receive(request));
  };

  /** pending: the request goes out now; the answer arrives through the pump. */
  const call = (request: number): Promise<number> => {
    main.send(request);
    const answer = new Promise<number>((resolve, reject) => pending.set(request, { resolve, reject }));
    queueMicrotask(() => pump(request));
    return answer;
  };
  const pump = (request: number) => {
    // A dead worker or a wrong answer fails the call, not the process.
    const fail = (error: unknown) => {
      pending.get(request)?.reject(error instanceof Error ? error : new Error(String(error)));
      pending.delete(request);
    };
    let answer: number;
    try {
      answer = main.receive(request);
    } catch (error) {
      return fail(error);
    }
    const resolver = pending.get(answer - 1);
    if (resolver === undefined) return fail(new Error(`B7 pending: no caller waits for answer ${answer}`));
    pending.delete(answer - 1);
    resolver.resolve(answer);
  };
  const once = shape === 'resolved' ? exchange : call;

  return {
    async roundTrips(n) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const request = seq + 1;
        const answer = await once(request);
        if (answer !== request + 1) throw new Error(`B7 ${shape}: sent ${request}, got ${answer}`);
        seq = answer;
      }
      const ns = elapsedNs(start);
      made += n;
      return ns;
    },
    async stop() {
      await pair.stop(made);
      if (pending.size !== 0) throw new Error(`B7 ${shape}: ${pending.size} calls were never answered`);
    },
  };
}
