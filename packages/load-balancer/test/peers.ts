// Real peers for the health-check tests: TCP, HTTP and HTTPS servers on 127.0.0.1 that a test
// can stop and start again on the same port.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** A self-signed certificate for `localhost` and 127.0.0.1, made by openssl. */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

/** Generates a P-256 self-signed certificate with openssl (valid one day). */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'lb-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
