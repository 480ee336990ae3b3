// The data task: the one task that holds the items. Slot 1: its Endpoint,
// on which the workers call. A call's label is the operation, its data the
// argument as JSON; the answer is the status (three digits) and then the
// body as JSON, in pieces of
// one message when it is longer (the label of a piece says how many bytes
// are still to come, and the worker calls with MORE for the next).
import { type Message, task } from 'caduceus/task';
import { MORE, Op, PIECE_BYTES } from './protocol.ts';

export default task(async (sys) => {
  const items = new Map<number, { id: number } & Record<string, unknown>>();
  let nextId = 1;
  const encoder = new TextEncoder();
  let answer = new Uint8Array(0);
  let sent = 0;

  const decide = (op: number, arg: unknown): { status: number; body: unknown } => {
    switch (op) {
      case Op.List:
        return { status: 200, body: { count: items.size, items: [...items.values()] } };
      case Op.Get: {
        const item = items.get(Number(arg));
        return item ? { status: 200, body: item } : { status: 404, body: { error: `no item ${String(arg)}` } };
      }
      case Op.Create: {
        if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return { status: 400, body: { error: 'an item is a JSON object' } };
        const item = { ...(arg as Record<string, unknown>), id: nextId++ };
        items.set(item.id, item);
        return { status: 201, body: item };
      }
      case Op.Delete:
        return items.delete(Number(arg)) ? { status: 204, body: null } : { status: 404, body: { error: `no item ${String(arg)}` } };
      default:
        return { status: 400, body: { error: 'unknown operation' } };
    }
  };

  const piece = (): Message => {
    const end = Math.min(answer.length, sent + PIECE_BYTES);
    const msg = { label: answer.length - end, data: answer.subarray(sent, end) };
    sent = end;
    return msg;
  };

  let call = await sys.recv(1);
  for (;;) {
    if (call.label !== MORE) {
      let arg: unknown;
      try {
        arg = call.data.length > 0 ? JSON.parse(new TextDecoder().decode(call.data)) : undefined;
      } catch {
        arg = Symbol('not JSON');
      }
      const result = typeof arg === 'symbol' ? { status: 400, body: { error: 'the body is not JSON' } } : decide(call.label, arg);
      answer = encoder.encode(`${result.status}${result.body === null ? '' : JSON.stringify(result.body)}`);
      sent = 0;
    }
    call = await sys.replyRecv(1, piece());
  }
});
