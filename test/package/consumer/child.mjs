// Receives a capability on slot 1 and answers on it: label times 7, and what came.
import { task, typeName } from 'caduceus/task';

export default task(async (sys) => {
  const got = await sys.recv(1, { slots: [2] });
  const { type } = await sys.identify(got.caps[0]);
  await sys.send(got.caps[0], { label: got.label * 7, data: `it got a cap of type ${typeName(type)} in slot ${got.caps[0]}` });
});
