// The acceptor. Slot 1: the Listener; slot 2: the Memory its Connections
// come from; slot 3: the Endpoint the workers wait on, with GRANT. It takes
// each client as a Connection in slot 4 and moves it to whichever worker is
// waiting (the first in the Endpoint's queue); with every worker busy, the
// send waits, and new clients wait in the Listener.
import { KernelError, task } from 'caduceus/task';

const LISTENER = 1;
const MEMORY = 2;
const WORKERS = 3;
const CONN = 4;

export default task(async (sys) => {
  for (;;) {
    try {
      await sys.accept(LISTENER, MEMORY, CONN);
      await sys.send(WORKERS, { caps: [{ cap: CONN, move: true }] });
    } catch (e) {
      if (e instanceof KernelError && e.code === 'EPIPE') return 0; // the server is shutting down
      throw e;
    }
  }
});
