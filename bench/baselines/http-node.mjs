// The http-server benchmark's peer: the same routes over a Map, in plain
// single-threaded Node (node:http, keep-alive as it comes). Run as a child
// process; it prints "port N".

import { createServer } from 'node:http';

const items = new Map();
let nextId = 1;
const json = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
};
const server = createServer((req, res) => {
  const id = /^\/items\/(\d+)$/.exec(req.url ?? '');
  if (req.url === '/items' && req.method === 'POST') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const item = { ...JSON.parse(body), id: nextId++ };
      items.set(item.id, item);
      json(res, 201, item);
    });
  } else if (req.url === '/items') json(res, 200, { count: items.size, items: [...items.values()] });
  else if (id) {
    const item = items.get(Number(id[1]));
    if (item) json(res, 200, item);
    else json(res, 404, { error: `no item ${id[1]}` });
  } else json(res, 404, { error: 'nothing here' });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
