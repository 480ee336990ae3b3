// Counts the words it was given and answers on the Endpoint in slot 1. The
// enum is TypeScript that type stripping alone cannot run: tsx loads this.
import { task, type Sys } from 'caduceus/task';

enum Answer {
  Counted = 3,
}

export default task(async (sys: Sys, arg: { words: string[] }) => {
  await sys.send(1, { label: Answer.Counted, data: `child.ts counted ${arg.words.length} words: ${arg.words.join(' ')}` });
});
