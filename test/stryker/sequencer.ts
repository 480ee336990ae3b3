// Test file order for mutation testing only (vitest.stryker.config.ts).
// vitest's default runs the longest files first; for a mutant that is the
// wrong way round: the cheap unit tests usually kill it, and bail stops the
// run at the first failure, so the long model-based files go last.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LAST = ['test/model/model.test.ts', 'test/model/hostile.test.ts'];

const rank = (spec: TestSpecification): number => {
  const i = LAST.findIndex((f) => spec.moduleId.replaceAll('\\', '/').endsWith(f));
  return i < 0 ? -1 : i;
};

export class CheapFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}
