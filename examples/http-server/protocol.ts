// What a worker and the data task say to each other: the operation as the
// label, its argument as JSON (an id, or an item), and the answer as the
// HTTP status in three digits followed by the body's JSON (none for 204),
// in pieces of one IPC message (2,048 bytes).

export const Op = { List: 1, Get: 2, Create: 3, Delete: 4 } as const;
/** The label of a call for the next piece of the last answer. */
export const MORE = 99;
export const PIECE_BYTES = 2048;
