import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Inside this repository the package's own names resolve to the sources
// (the `caduceus-source` export condition), as they do in tsc and in the
// threads a system started from source runs. vitest also hands these
// conditions to the processes it forks, as --conditions.
const conditions = ['caduceus-source', ...defaultServerConditions];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
