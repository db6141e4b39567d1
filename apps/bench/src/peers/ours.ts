// Our proxy as a benchmark contender: node dist/peers/ours.js <backendPort> <listenPort> [cache|h2c]
import { HttpCache } from '@pingora-ts/cache';
import { HttpProxy } from '@pingora-ts/proxy';

const [backend, listen, mode] = process.argv.slice(2);
const peer = { host: '127.0.0.1', port: Number(backend) };
const proxy = new HttpProxy(
  {
    requestCacheFilter: (session) => {
      session.cache.isEnabled = mode === 'cache';
    },
    upstreamPeer: () => peer,
  },
  {
    http2: { h2c: mode === 'h2c' },
    ...(mode === 'cache'
      ? { cache: new HttpCache({ memory: { maxBytes: 128 * 1024 * 1024 } }) }
      : {}),
  },
);
await proxy.listen(Number(listen), '127.0.0.1');
console.log('ready');
process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
