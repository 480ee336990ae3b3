// The key-value protocol. A request is a call on the service Endpoint whose
// badge tells the server which client is calling. Values travel in the
// client's shared Page, mapped at VALUE_ADDR in the client and at
// VALUE_ADDR + id * 4096 in the server; the message carries only the key and
// the length.

export const Op = { Put: 1, Get: 2, Wait: 3, Stop: 4 } as const;
export const Status = { Ok: 0, Missing: 404 } as const;
export const VALUE_ADDR = 0x0040_0000;
export const MAX_VALUE = 4096;

export interface Request {
  key: string;
  length?: number;
}

export const encode = (value: unknown) => JSON.stringify(value);
export const decode = <T>(data: Uint8Array): T => JSON.parse(new TextDecoder().decode(data)) as T;
