// @fastify/http-proxy as a benchmark contender, WebSocket upgrades on and TLS when given a
// certificate: node dist/peers/fastify-proxy.js <backendPort> <listenPort> [<cert.pem> <key.pem>]
import { readFileSync } from 'node:fs';
import fastifyProxy from '@fastify/http-proxy';
import Fastify, { type FastifyServerOptions } from 'fastify';

const [backend, listen, cert, key] = process.argv.slice(2);
const https =
  cert !== undefined && key !== undefined
    ? { https: { cert: readFileSync(cert), key: readFileSync(key) } }
    : {};
// Typed as the plain-HTTP options: fastify's types pick a server type from `https`, which the
// rest of this file does not care about.
const app = Fastify({ logger: false, ...https } as FastifyServerOptions);
await app.register(fastifyProxy, { upstream: `http://127.0.0.1:${backend}`, websocket: true });
await app.listen({ port: Number(listen), host: '127.0.0.1' });
console.log('ready');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
