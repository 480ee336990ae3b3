// The counter server's calls, by label. Get answers the value as its label;
// Set takes the new value as its data (a u32); Add adds one.
export const Counter = { Stop: 0, Get: 1, Set: 2, Add: 3 } as const;
