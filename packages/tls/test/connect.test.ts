import { PingoraError } from '@pingora-ts/error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectTls,
  createCertificate,
  createCertificateAuthority,
  type KeyPairPem,
  TlsSessionCache,
} from '../src/index.js';
import { freePort, pemFiles, sServer } from './openssl.js';

let ca: KeyPairPem;
let files: ReturnType<typeof pemFiles>;
let upstream: Awaited<ReturnType<typeof sServer>>;

beforeAll(async () => {
  ca = createCertificateAuthority({ commonName: 'Upstream CA' });
  const leaf = createCertificate(ca, { dnsNames: ['origin.test'], ips: ['127.0.0.1'] });
  files = pemFiles({ 'leaf.pem': leaf.cert, 'leaf.key': leaf.key });
  upstream = await sServer([
    '-cert',
    files.path('leaf.pem'),
    '-key',
    files.path('leaf.key'),
    '-alpn',
    'h2,http/1.1',
  ]);
});
afterAll(() => {
  upstream.stop();
  files.cleanup();
});

async function failure(p: Promise<unknown>): Promise<PingoraError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(PingoraError);
  return e as PingoraError;
}

describe('connectTls against openssl s_server', () => {
  it('verifies the chain and name, and negotiates ALPN', async () => {
    const c = await connectTls({
      host: '127.0.0.1',
      port: upstream.port,
      sni: 'origin.test',
      ca: ca.cert,
      alpn: 'h2h1',
    });
    expect(c.alpn).toBe('h2');
    expect(c.socket.authorized).toBe(true);
    c.socket.destroy();
    const h1 = await connectTls({
      host: '127.0.0.1',
      port: upstream.port,
      ca: ca.cert,
      expectedName: 'origin.test',
    });
    expect(h1.alpn).toBe('http/1.1');
    h1.socket.destroy();
  });

  it('fails an untrusted certificate with InvalidCert from upstream', async () => {
    const e = await failure(
      connectTls({ host: '127.0.0.1', port: upstream.port, sni: 'origin.test' }),
    );
    expect(e.kind).toBe('InvalidCert');
    expect(e.source).toBe('upstream');
    expect(e.canRetry(true)).toBe(false);
  });

  it('fails a wrong hostname with InvalidCert', async () => {
    const e = await failure(
      connectTls({
        host: '127.0.0.1',
        port: upstream.port,
        sni: 'origin.test',
        ca: ca.cert,
        expectedName: 'other.test',
      }),
    );
    expect(e.kind).toBe('InvalidCert');
    expect(String(e.cause)).toMatch(/other\.test/);
  });

  it('accepts anything with verify off', async () => {
    const c = await connectTls({ host: '127.0.0.1', port: upstream.port, verify: false });
    expect(c.socket.authorized).toBe(false);
    c.socket.destroy();
  });

  it('resumes the session on the second connection and counts it', async () => {
    const sessions = new TlsSessionCache();
    const peer = { host: '127.0.0.1', port: upstream.port, sni: 'origin.test', ca: ca.cert };
    const first = await connectTls(peer, sessions);
    // TLS 1.3 sends the ticket after the handshake: read until the session has arrived.
    await new Promise<void>((resolve) => {
      if (sessions.size > 0) resolve();
      else first.socket.once('session', () => setImmediate(resolve));
    });
    first.socket.destroy();
    const second = await connectTls(peer, sessions);
    second.socket.destroy();
    expect(first.resumed).toBe(false);
    expect(second.resumed).toBe(true);
    expect(sessions.full).toBe(1);
    expect(sessions.resumed).toBe(1);
  });

  it('maps a refused connection to ConnectRefused, retryable', async () => {
    const port = await freePort();
    const e = await failure(connectTls({ host: '127.0.0.1', port }));
    expect(e.kind).toBe('ConnectRefused');
    expect(e.source).toBe('upstream');
    expect(e.canRetry(false)).toBe(true);
  });

  it('times out a handshake that never comes with TLSHandshakeTimedout', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as import('node:net').AddressInfo;
    try {
      const e = await failure(connectTls({ host: '127.0.0.1', port, timeoutMs: 200 }));
      expect(e.kind).toBe('TLSHandshakeTimedout');
      expect(e.downstreamStatus()).toBe(504);
    } finally {
      silent.close();
      silent.unref();
    }
  });
});
