// The proxy under benchmark with no phases but `upstreamPeer`: the keep-alive data path alone.
// Run by through-proxy.ts as its own process: node bench/plain-proxy.ts <originPort> <listenPort>
import { HttpProxy } from '@pingora-ts/proxy';

const originPort = Number(process.argv[2]);
const listenPort = Number(process.argv[3]);
const peer = { host: '127.0.0.1', port: originPort };
const proxy = new HttpProxy({ upstreamPeer: () => peer });
await proxy.listen(listenPort, '127.0.0.1');
console.log('ready');
process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
