// Setup for mutation testing only (vitest.stryker.config.ts). A fixed seed
// makes every fast-check property replay the same cases on every mutant, so
// a mutant's outcome does not depend on luck; endOnFailure skips shrinking,
// since Stryker needs only to know that a test failed, not the smallest case.
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.CADUCEUS_STRYKER_SEED ?? 20240601), endOnFailure: true });
