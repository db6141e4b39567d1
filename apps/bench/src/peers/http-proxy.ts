// http-proxy (node-http-proxy) as a benchmark contender, with a keep-alive agent as its
// documentation recommends, WebSocket upgrades passed on with proxy.ws, and TLS when given a
// certificate: node dist/peers/http-proxy.js <backendPort> <listenPort> [<cert.pem> <key.pem>]
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';

const [backend, listen, cert, key] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${backend}`, agent });
proxy.on('error', (_error, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502);
  res.end();
});
const handler = (req: http.IncomingMessage, res: http.ServerResponse) => proxy.web(req, res);
const server =
  cert !== undefined && key !== undefined
    ? https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, handler)
    : http.createServer(handler);
server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
  proxy.ws(req, socket, head),
);
server.keepAliveTimeout = 60_000;
server.listen(Number(listen), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
