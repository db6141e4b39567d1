// One server under benchmark, in a process of its own (run.ts pins it to one core where
// taskset exists): ours or node:http, the same handler. Prints its port as JSON.
// Run by run.ts: node bench/servers.ts <body size> <ours|node>
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpServer } from '@pingora-ts/http-server';

const body = Buffer.alloc(Number(process.argv[2]), 'z');
let port: number;
if (process.argv[3] === 'node') {
  const node = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
  port = (node.address() as AddressInfo).port;
} else {
  const ours = new HttpServer({
    handler: (s) => s.respond(200, body, { 'content-type': 'text/plain' }),
  });
  port = (await ours.listen(0, '127.0.0.1')).port;
}
console.log(JSON.stringify({ port }));
process.on('SIGTERM', () => process.exit(0));
