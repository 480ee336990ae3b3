// The servers' calls, by label: a client's question, a peer's question, stop.
export const Ask = { Stop: 0, Client: 1, Peer: 2 } as const;
