// The key-value server. Slot 1: the service Endpoint. Its VSpace maps every
// client's shared Page. WAIT on a missing key keeps the caller's Reply cap
// (storeReply) and answers when some client PUTs that key. Each answer and
// the wait for the next request are one replyRecv. Values are read and
// written through views of the clients' Pages: no system call per value.
import { type Message, task } from 'caduceus/task';
import { decode, encode, MAX_VALUE, Op, type Request, Status, VALUE_ADDR } from './protocol.ts';

export default task(async (sys, arg: { clients: number }) => {
  const store = new Map<string, Uint8Array>();
  const waiters = new Map<string, Array<{ client: number; slot: number }>>();
  const freeSlots = Array.from({ length: 150 }, (_, i) => 100 + i); // Null slots of its radix-8 CSpace
  const page = (client: number) => VALUE_ADDR + client * 4096;
  // A window on each client's shared Page, taken the first time it calls.
  const views = new Map<number, Uint8Array>();
  const viewOf = async (client: number): Promise<Uint8Array> => {
    let view = views.get(client);
    if (!view) {
      view = await sys.view(page(client), MAX_VALUE);
      views.set(client, view);
    }
    return view;
  };
  let stopped = 0;
  let deferred = 0;
  let requests = 0;
  let msg = await sys.recv(1);
  for (;;) {
    requests++;
    const client = msg.badge;
    const req = decode<Request>(msg.data);
    // undefined: nothing to answer now (the Reply cap was kept for later).
    let answer: Message | undefined = { label: Status.Ok };
    if (msg.label === Op.Put) {
      const value = (await viewOf(client)).slice(0, Math.min(req.length ?? 0, MAX_VALUE)); // a copy: the client reuses its Page
      store.set(req.key, value);
      for (const w of waiters.get(req.key) ?? []) {
        (await viewOf(w.client)).set(value);
        await sys.send(w.slot, { label: Status.Ok, data: encode({ length: value.length }) });
        freeSlots.push(w.slot);
      }
      waiters.delete(req.key);
    } else if (msg.label === Op.Get || msg.label === Op.Wait) {
      const value = store.get(req.key);
      if (value) {
        (await viewOf(client)).set(value);
        answer = { label: Status.Ok, data: encode({ length: value.length }) };
      } else if (msg.label === Op.Get) {
        answer = { label: Status.Missing };
      } else {
        const slot = freeSlots.pop() as number;
        await sys.storeReply(slot); // answer later, when the key arrives
        deferred++;
        answer = undefined;
        const list = waiters.get(req.key) ?? [];
        list.push({ client, slot });
        waiters.set(req.key, list);
      }
    } else if (msg.label === Op.Stop) {
      stopped++;
    }
    if (stopped === arg.clients) {
      await sys.reply(answer);
      return { keys: store.size, deferred, requests };
    }
    // With the Reply cap stored, replyRecv has nobody to answer: it only receives.
    msg = await sys.replyRecv(1, answer);
  }
});
