// Full vs resumed TLS handshakes per second over 127.0.0.1 (our connector against a server on
// our settings, both node:tls/OpenSSL), and our connector vs a plain tls.connect.
// Run: pnpm --filter @pingora-ts/tls bench
import type net from 'node:net';
import tls from 'node:tls';
import {
  connectTls,
  createCertificate,
  createCertificateAuthority,
  TlsServerSettings,
  TlsSessionCache,
} from '@pingora-ts/tls';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const HANDSHAKES = 100;
const ca = createCertificateAuthority();
const leaf = createCertificate(ca, { dnsNames: ['bench.test'] });
const settings = new TlsServerSettings({ certificates: [leaf] });
const server = settings.createServer((s) => {
  s.on('error', () => {});
  // Writing a byte flushes the TLS 1.3 session tickets before the close.
  s.end('x');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address() as net.AddressInfo;
const peer = { host: '127.0.0.1', port, sni: 'bench.test', ca: ca.cert };

async function handshakes(sessions: TlsSessionCache | undefined): Promise<number> {
  for (let i = 0; i < HANDSHAKES; i++) {
    const { socket } = await connectTls(peer, sessions);
    if (sessions && sessions.size === 0) await new Promise((r) => socket.once('session', r));
    socket.destroy();
  }
  return HANDSHAKES;
}
async function plain(): Promise<number> {
  for (let i = 0; i < HANDSHAKES; i++) {
    await new Promise<void>((resolve, reject) => {
      const s = tls.connect(
        { host: '127.0.0.1', port, servername: 'bench.test', ca: ca.cert },
        () => {
          s.destroy();
          resolve();
        },
      );
      s.once('error', reject);
    });
  }
  return HANDSHAKES;
}

const resumedCache = new TlsSessionCache();
const result = await compareOps(
  {
    full: () => handshakes(undefined),
    resumed: () => handshakes(resumedCache),
    'node:tls connect': plain,
  },
  { rounds: 5, warmup: 1 },
);
report('tls', 'handshake', [
  row(
    'resumed vs full handshake',
    'handshakes/s',
    result.resumed,
    'full handshake (ours)',
    result.full,
  ),
  row(
    'full handshake, connectTls',
    'handshakes/s',
    result.full,
    'node:tls connect',
    result['node:tls connect'],
    0.95,
  ),
]);
console.log(`session cache: ${resumedCache.resumed} resumed, ${resumedCache.full} full`);
server.close();
