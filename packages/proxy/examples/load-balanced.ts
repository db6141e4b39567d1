// A load-balanced reverse proxy: round robin over health-checked backends; a failed connect is
// reported to the balancer and retried on the next backend.
// Run: node examples/load-balanced.ts 127.0.0.1:8081 127.0.0.1:8082
import { LoadBalancer, TcpHealthCheck } from '@pingora-ts/load-balancer';
import { HttpProxy } from '@pingora-ts/proxy';

export async function start(backends: string[], port = 8080) {
  const lb = new LoadBalancer({
    backends,
    algorithm: 'round-robin',
    healthCheck: new TcpHealthCheck(),
  });
  lb.start();
  const proxy = new HttpProxy({
    upstreamPeer: (session) => {
      const backend = lb.select('', 16, (b) => !session.hasTried(b.addr));
      if (backend === undefined) throw new Error('no healthy backend left');
      return { host: backend.host, port: backend.port };
    },
    failToConnect: (session, _peer, error) => {
      const failed = lb.backends.get(session.triedPeers.at(-1) ?? '');
      if (failed !== undefined) lb.reportConnectFailure(failed, error);
      return error;
    },
  });
  const address = await proxy.listen(port, '127.0.0.1');
  return { port: address.port, close: () => proxy.close().then(() => lb.stop()) };
}

if (import.meta.main) {
  const { port } = await start(process.argv.slice(2));
  console.log(`load-balanced proxy on http://127.0.0.1:${port}`);
}
