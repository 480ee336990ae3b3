// Assertions at the entrances that must never be wrong. A failed one is a
// bug in the kernel itself, never a task's doing (a task's bad argument is an
// errno, decided before anything changes): it throws at its cause, before the
// state goes wrong in a way that check() would find only later.

/** A broken kernel invariant, found where it broke. */
export class KernelBug extends Error {
  constructor(what: string) {
    super(`kernel bug: ${what}`);
    this.name = 'KernelBug';
  }
}

/** Throws KernelBug saying `what`. Hot paths test first and build the words only then: `if (!ok) bug(...)`. */
export function bug(what: string): never {
  throw new KernelBug(what);
}

/** Throws KernelBug saying `what` when `condition` does not hold (for checks whose words cost nothing to make). */
export function assert(condition: boolean, what: string): asserts condition {
  if (!condition) bug(what);
}
