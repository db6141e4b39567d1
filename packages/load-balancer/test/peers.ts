// Real peers for the health-check tests: TCP, HTTP and HTTPS servers on 127.0.0.1 that a test
// can stop and start again on the same port.
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createCertificate, createCertificateAuthority } from '@pingora-ts/tls';

/** A server that can be stopped and restarted on its port. */
export interface Peer {
  readonly port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Wraps a server factory into a {@link Peer} that tracks and destroys its sockets. */
async function peer(make: () => Server): Promise<Peer> {
  let server = make();
  const sockets = new Set<Socket>();
  const track = (s: Server) =>
    s.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  track(server);
  const port = await listen(server);
  let isRunning = true;
  return {
    port,
    async stop() {
      if (!isRunning) return;
      isRunning = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restart() {
      if (isRunning) return;
      server = make();
      track(server);
      await listen(server, port);
      isRunning = true;
    },
  };
}

/** A TCP server that accepts and closes. */
export function tcpPeer(): Promise<Peer> {
  return peer(() => createTcpServer((socket) => socket.end()));
}

/** An HTTP server with `handler`. */
export function httpPeer(handler: RequestListener): Promise<Peer> {
  return peer(() => createHttpServer(handler));
}

/** An HTTPS server with `handler` and the test certificate. */
export function httpsPeer(cert: TestCertificate, handler: RequestListener): Promise<Peer> {
  return peer(() => createHttpsServer({ key: cert.key, cert: cert.cert }, handler));
}

/** A TCP server whose handler gets the raw socket (for malformed or stalled answers). */
export function rawPeer(onSocket: (socket: Socket) => void): Promise<Peer> {
  return peer(() => createTcpServer(onSocket));
}

/** A server certificate for `localhost` and 127.0.0.1 and the CA that issued it (PEM). */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

/** Issues a test CA and a leaf from it with @pingora-ts/tls's certificate tooling. */
export function makeTestCertificate(): TestCertificate {
  const ca = createCertificateAuthority({ commonName: 'load-balancer test CA', validityDays: 1 });
  const leaf = createCertificate(ca, {
    dnsNames: ['localhost'],
    ips: ['127.0.0.1'],
    validityDays: 1,
  });
  return { key: leaf.key, cert: leaf.cert, ca: ca.cert };
}
