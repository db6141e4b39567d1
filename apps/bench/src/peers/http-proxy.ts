// http-proxy (node-http-proxy) as a benchmark contender, with a keep-alive agent as its
// documentation recommends: node dist/peers/http-proxy.js <backendPort> <listenPort>
import http from 'node:http';
import httpProxy from 'http-proxy';

const [backend, listen] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${backend}`, agent });
proxy.on('error', (_error, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502);
  res.end();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 60_000;
server.listen(Number(listen), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
