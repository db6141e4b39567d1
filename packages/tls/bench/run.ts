// Full vs resumed TLS handshakes per second over 127.0.0.1, on both sides of the connection:
// - client and server ours: connectTls against a tls.Server on TlsServerSettings, TLS 1.3 and
//   TLS 1.2 (both node:tls/OpenSSL, in this process: each figure pays for both ends);
// - server ours, client OpenSSL: `openssl s_time -new` vs `-reuse` against the same settings,
//   counted by the server (TLS 1.2: s_time 3.0 takes its session before TLS 1.3 tickets come);
// - and connectTls vs a plain tls.connect, to show that the wrapper costs nothing.
// Run: pnpm --filter @pingora-ts/tls bench
import { spawn } from 'node:child_process';
import type net from 'node:net';
import tls from 'node:tls';
import {
  connectTls,
  createCertificate,
  createCertificateAuthority,
  type TlsPeer,
  TlsServerSettings,
  TlsSessionCache,
} from '@pingora-ts/tls';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const HANDSHAKES = 150;
const S_TIME_SECONDS = 2;
const ca = createCertificateAuthority();
const leaf = createCertificate(ca, { dnsNames: ['bench.test'] });
const settings = new TlsServerSettings({ certificates: [leaf] });
const counts = { full: 0, resumed: 0 };

function onConnection(s: tls.TLSSocket): void {
  s.on('error', () => {});
  if (s.isSessionReused()) counts.resumed++;
  else counts.full++;
  // Writing a byte flushes the TLS 1.3 session tickets before the close.
  s.end('x');
}

async function listen(server: tls.Server): Promise<number> {
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

const server13 = settings.createServer(onConnection);
const server12 = tls.createServer(
  { ...settings.serverOptions(), maxVersion: 'TLSv1.2' },
  onConnection,
);
const port13 = await listen(server13);
const port12 = await listen(server12);
const peer13: TlsPeer = { host: '127.0.0.1', port: port13, sni: 'bench.test', ca: ca.cert };
const peer12: TlsPeer = { ...peer13, port: port12 };

async function handshakes(peer: TlsPeer, sessions: TlsSessionCache | undefined): Promise<number> {
  for (let i = 0; i < HANDSHAKES; i++) {
    const { socket } = await connectTls(peer, sessions);
    // TLS 1.3: the first session arrives after the handshake; wait for it once.
    if (sessions && sessions.size === 0) await new Promise((r) => socket.once('session', r));
    socket.destroy();
  }
  return HANDSHAKES;
}

async function plain(): Promise<number> {
  for (let i = 0; i < HANDSHAKES; i++) {
    await new Promise<void>((resolve, reject) => {
      const s = tls.connect(
        { host: '127.0.0.1', port: port13, servername: 'bench.test', ca: ca.cert },
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

/** Runs `openssl s_time` for S_TIME_SECONDS; returns the handshakes our server counted. */
function sTime(mode: '-new' | '-reuse'): Promise<number> {
  const before = counts.full + counts.resumed;
  return new Promise((resolve, reject) => {
    const child = spawn(
      'openssl',
      [
        's_time',
        '-connect',
        `127.0.0.1:${port12}`,
        mode,
        '-time',
        String(S_TIME_SECONDS),
        '-tls1_2',
      ],
      { stdio: 'ignore' },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), (S_TIME_SECONDS + 10) * 1000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(counts.full + counts.resumed - before);
    });
  });
}

const cache13 = new TlsSessionCache();
const cache12 = new TlsSessionCache();
const ours = await compareOps(
  {
    'full 1.3': () => handshakes(peer13, undefined),
    'resumed 1.3': () => handshakes(peer13, cache13),
    'full 1.2': () => handshakes(peer12, undefined),
    'resumed 1.2': () => handshakes(peer12, cache12),
    'node:tls connect': plain,
  },
  { rounds: 7, warmup: 1 },
);
counts.full = 0;
counts.resumed = 0;
const openssl = await compareOps(
  { full: () => sTime('-new'), resumed: () => sTime('-reuse') },
  { rounds: 5, warmup: 1 },
);
const sTimeCounts = { ...counts };

report('tls', 'handshake', [
  row(
    'resumed, connectTls -> our server, TLS 1.3',
    'handshakes/s',
    ours['resumed 1.3'],
    'full handshake',
    ours['full 1.3'],
  ),
  row(
    'resumed, connectTls -> our server, TLS 1.2',
    'handshakes/s',
    ours['resumed 1.2'],
    'full handshake',
    ours['full 1.2'],
  ),
  row(
    'resumed, openssl s_time -> our server, TLS 1.2',
    'handshakes/s',
    openssl.resumed,
    'full handshake',
    openssl.full,
  ),
  row(
    'full handshake, connectTls, TLS 1.3',
    'handshakes/s',
    ours['full 1.3'],
    'node:tls connect',
    ours['node:tls connect'],
    0.95,
  ),
]);
console.log(
  `connectTls session caches: TLS 1.3 ${cache13.resumed} resumed / ${cache13.full} full, ` +
    `TLS 1.2 ${cache12.resumed} resumed / ${cache12.full} full; ` +
    `s_time as counted by our server: ${sTimeCounts.resumed} resumed / ${sTimeCounts.full} full`,
);
server13.close();
server12.close();
