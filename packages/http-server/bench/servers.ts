// The two servers under benchmark, in a process of their own (run.ts pins it to one core where
// taskset exists): ours and node:http, the same handler. Prints their ports as JSON.
// Run by run.ts: node bench/servers.ts <body size>
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpServer } from '@pingora-ts/http-server';

const body = Buffer.alloc(Number(process.argv[2]), 'z');
const ours = new HttpServer({
  handler: (s) => s.respond(200, body, { 'content-type': 'text/plain' }),
});
const oursPort = (await ours.listen(0, '127.0.0.1')).port;
const node = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
console.log(JSON.stringify({ ours: oursPort, node: (node.address() as AddressInfo).port }));
process.on('SIGTERM', () => process.exit(0));
