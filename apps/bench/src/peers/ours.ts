// Our proxy as a benchmark contender:
//   node dist/peers/ours.js <backendPort> <listenPort> [cache | h2c | frames | tls <cert> <key>]
// `frames` relays WebSocket messages one by one through the frame-level hook (passing each on
// unchanged) instead of tunnelling bytes.
import { readFileSync } from 'node:fs';
import { HttpProxy, type ProxyHttp } from '@pingora-ts/proxy';

const [backend, listen, mode, cert, key] = process.argv.slice(2);
const peer = { host: '127.0.0.1', port: Number(backend) };
// Only the phases a mode needs: a phase left undefined costs nothing per request.
const phases: ProxyHttp = { upstreamPeer: () => peer };
if (mode === 'cache') {
  phases.requestCacheFilter = (session) => {
    session.cache.isEnabled = true;
  };
}
if (mode === 'frames') phases.webSocketMessageFilter = () => undefined;
const proxy = new HttpProxy(phases, {
  http2: { h2c: mode === 'h2c' },
  // Loaded in cache mode only, as a user without a cache would not import it either.
  ...(mode === 'cache'
    ? {
        cache: new (await import('@pingora-ts/cache')).HttpCache({
          memory: { maxBytes: 128 * 1024 * 1024 },
        }),
      }
    : {}),
  ...(mode === 'tls' && cert !== undefined && key !== undefined
    ? { tls: { cert: readFileSync(cert), key: readFileSync(key) } }
    : {}),
});
await proxy.listen(Number(listen), '127.0.0.1');
console.log('ready');
process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
