// @fastify/http-proxy as a benchmark contender: node dist/peers/fastify-proxy.js <backendPort> <listenPort>
import fastifyProxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const [backend, listen] = process.argv.slice(2);
const app = Fastify({ logger: false });
await app.register(fastifyProxy, { upstream: `http://127.0.0.1:${backend}` });
await app.listen({ port: Number(listen), host: '127.0.0.1' });
console.log('ready');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
