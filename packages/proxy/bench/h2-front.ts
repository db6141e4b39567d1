// The proxy in front for the HTTP/2 benchmark: h2c downstream, HTTP/1.1 keep-alive upstream.
// Run by run.ts as its own process: node bench/h2-front.ts <originPort> <listenPort>
import { HttpProxy } from '@pingora-ts/proxy';

const peer = { host: '127.0.0.1', port: Number(process.argv[2]) };
const proxy = new HttpProxy({ upstreamPeer: () => peer }, { http2: { h2c: true } });
await proxy.listen(Number(process.argv[3]), '127.0.0.1');
console.log('ready');
process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
