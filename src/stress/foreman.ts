// A foreman of `caduceus stress`: runs one group of the workload (group.ts)
// from the Memory and CSpace init gave it, and sends init the result.
import { task } from '../task.ts';
import { encodeResult, runGroup } from './group.ts';
import { ForemanSlot, type GroupSpec } from './rng.ts';

export default task(async (sys, spec: GroupSpec) => {
  const result = await runGroup(sys, spec, { mem: ForemanSlot.Memory, firstFree: ForemanSlot.FirstFree, console: ForemanSlot.Console });
  await sys.send(ForemanSlot.Report, { label: 0, data: encodeResult(result) });
  return 0;
});
