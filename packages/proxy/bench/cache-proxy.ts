// The proxy under benchmark: every GET cached, in front of the given origin port.
// Run by run.ts as its own process: node bench/cache-proxy.ts <originPort> <listenPort>
import { HttpCache } from '@pingora-ts/cache';
import { HttpProxy } from '@pingora-ts/proxy';

const originPort = Number(process.argv[2]);
const listenPort = Number(process.argv[3]);
const peer = { host: '127.0.0.1', port: originPort };
const proxy = new HttpProxy(
  {
    requestCacheFilter: (session) => {
      session.cache.isEnabled = true;
    },
    upstreamPeer: () => peer,
  },
  { cache: new HttpCache({ memory: { maxBytes: 256 * 1024 * 1024 } }) },
);
await proxy.listen(listenPort, '127.0.0.1');
console.log('ready');
process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
