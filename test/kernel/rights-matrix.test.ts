// Every combination of the three rights on the sender's and the receiver's
// Endpoint caps (8 x 8) against send, recv, call and capability transfer.

import { expect, it } from 'vitest';
import { Errno, ObjectType as T, Op, Rights } from '../../src/kernel/index.ts';
import { coreSystem } from './harness.ts';

const has = (rights: number, right: number) => (rights & right) !== 0;

it('send, recv, call and transfer obey READ, WRITE and GRANT on both sides', () => {
  const sys = coreSystem();
  expect(sys.alloc(16, T.Task, 100)).toBe('OK');
  expect(sys.alloc(16, T.CSpace, 101, { size: 4 })).toBe('OK');
  expect(sys.errno(Op.Configure, { cap: 100, cspace: 101 })).toBe('OK');
  expect(sys.errno(Op.Start, { cap: 100, program: 'x.js' })).toBe('OK');
  const child = sys.identify(100).phys! / 4096;
  expect(sys.alloc(16, T.Page, 60)).toBe('OK');
  let cases = 0;
  for (let s = 0; s < 8; s++) {
    for (let r = 0; r < 8; r++) {
      expect(sys.alloc(16, T.Endpoint, 50)).toBe('OK');
      expect(sys.copy(51, 50, { rights: s })).toBe('OK'); // the sender's cap (init)
      expect(sys.copy({ cspace: 101, slot: 0 }, 50, { rights: r })).toBe('OK'); // the receiver's (child)
      expect(sys.destroy(50)).toBe('OK');
      const what = `sender ${s}, receiver ${r}`;
      // The receiver waits (or is refused).
      const recv = sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [5] });
      if (!has(r, Rights.READ)) expect(recv?.errno, what).toBe(Errno.EPERM);
      else expect(recv, what).toBeNull();
      const waiting = has(r, Rights.READ);
      // A send with a cap attached.
      const expected = !has(s, Rights.WRITE) || !has(s, Rights.GRANT) ? 'EPERM' : waiting ? 'OK' : 'EAGAIN';
      expect(sys.errno(Op.NbSend, { cap: 51, msg: { caps: [60] } }), what).toBe(expected);
      const transferred = expected === 'OK';
      if (transferred) {
        expect(sys.kernel.invoke(child, { op: Op.Identify, cap: 5 })?.value, what).toMatchObject({ type: T.Page });
        expect(sys.kernel.invoke(child, { op: Op.Destroy, caps: [5] })?.errno).toBe(0);
      }
      // A plain send, and a call, need only WRITE.
      if (waiting && !transferred) {
        expect(sys.errno(Op.NbSend, { cap: 51, msg: {} }), what).toBe(has(s, Rights.WRITE) ? 'OK' : 'EPERM');
      }
      sys.kernel.takeEffects();
      if (has(s, Rights.WRITE) && has(r, Rights.READ)) {
        expect(sys.kernel.invoke(child, { op: Op.Recv, cap: 0, slots: [5] }), what).toBeNull();
        expect(sys.errno(Op.Call, { cap: 51, msg: { label: 7 }, slots: [300] }), what).toBe('BLOCKED');
        // The reply may carry a cap only if the receiver's cap has GRANT.
        expect(sys.kernel.invoke(child, { op: Op.Identify, cap: 0 })?.errno).toBe(0);
        const reply = sys.kernel.invoke(child, { op: Op.Reply, msg: { caps: [0] } });
        expect(reply?.errno, what).toBe(has(r, Rights.GRANT) ? 0 : Errno.EPERM);
        if (!has(r, Rights.GRANT)) expect(sys.kernel.invoke(child, { op: Op.Reply, msg: {} })?.errno).toBe(0);
        sys.kernel.takeEffects();
        expect(sys.destroy(300)).toBe('OK');
      } else {
        expect(sys.errno(Op.NbSend, { cap: 51 }), what).toBe(has(s, Rights.WRITE) ? 'EAGAIN' : 'EPERM');
        if (waiting) {
          // Unblock the receiver: destroy the Endpoint under it.
          expect(sys.destroy(51, { cspace: 101, slot: 0 })).toBe('OK');
          expect(sys.kernel.takeEffects()).toEqual([{ kind: 'answer', task: child, result: { errno: Errno.EPIPE } }]);
        }
      }
      sys.destroy(51, { cspace: 101, slot: 0 });
      sys.kernel.takeEffects();
      sys.clean();
      cases++;
    }
  }
  expect(cases).toBe(64);
});
