// The server benches (P11, H) start the repository's examples and
// baselines, which the package does not ship: they find them from the
// repository's root, and say plainly when they are not there.
import { expect, it } from 'vitest';
import { needCheckout } from '../../bench/p11.ts';

it('finds the servers P11 and H start in this checkout, and names what is missing elsewhere', () => {
  expect(() => needCheckout('P11', 'examples/resp-server/init.ts', 'bench/baselines/resp-node.mjs')).not.toThrow();
  expect(() => needCheckout('H', 'examples/http-server/init.ts', 'bench/baselines/http-node.mjs')).not.toThrow();
  expect(() => needCheckout('P11', 'examples/resp-server/init.ts', 'examples/none/init.ts')).toThrow(
    'P11 starts examples/none/init.ts, which only a clone of the repository has (the package does not ship them): run it from a clone',
  );
});
