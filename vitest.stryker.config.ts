// vitest config for mutation testing only: stryker.config.json points here,
// `npm test` keeps using vitest.config.ts. It runs just the kernel core's
// tests (no worker threads needed), makes the property-based tests
// deterministic and fail fast (test/stryker/setup.ts), runs the cheap test
// files before the long model-based ones (test/stryker/sequencer.ts), and
// runs the random-sequence tests at a tenth or a fifth of their usual size, since
// instrumented code is several times slower and they run for every mutant
// they cover that survives.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';
import { CheapFirstSequencer } from './test/stryker/sequencer.ts';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/kernel/**/*.test.ts', 'test/model/**/*.test.ts'],
    setupFiles: ['test/stryker/setup.ts'],
    sequence: { sequencer: CheapFirstSequencer },
    env: {
      CADUCEUS_MODEL_RUNS: process.env.CADUCEUS_MODEL_RUNS ?? '100',
      CADUCEUS_HOSTILE_CALLS: process.env.CADUCEUS_HOSTILE_CALLS ?? '10000',
      CADUCEUS_AREA_RUNS: process.env.CADUCEUS_AREA_RUNS ?? '30',
    },
  },
});
