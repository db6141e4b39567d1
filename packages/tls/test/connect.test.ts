import { once } from 'node:events';
import net from 'node:net';
import type tls from 'node:tls';
import { kindOfSystemCode, PingoraError } from '@pingora-ts/error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectTls,
  createCertificate,
  createCertificateAuthority,
  type KeyPairPem,
  type TlsConnection,
  TlsServerSettings,
  TlsSessionCache,
  tlsPeerKey,
} from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';
import { freePort, pemFiles, sServer, waitFor } from './openssl.js';

expectNoLeakedHandles();

let ca: KeyPairPem;
let client: KeyPairPem;
let files: ReturnType<typeof pemFiles>;
let upstream: Awaited<ReturnType<typeof sServer>>;
/** s_server requiring a client certificate from `ca`, TLS 1.2 and TLS 1.3 only. */
let mtls12: Awaited<ReturnType<typeof sServer>>;
let mtls13: Awaited<ReturnType<typeof sServer>>;

beforeAll(async () => {
  ca = createCertificateAuthority({ commonName: 'Upstream CA' });
  const leaf = createCertificate(ca, { dnsNames: ['origin.test'], ips: ['127.0.0.1'] });
  client = createCertificate(ca, { commonName: 'proxy-client-7' });
  files = pemFiles({ 'leaf.pem': leaf.cert, 'leaf.key': leaf.key, 'ca.pem': ca.cert });
  const identity = ['-cert', files.path('leaf.pem'), '-key', files.path('leaf.key')];
  const requireClient = ['-Verify', '1', '-verify_return_error', '-CAfile', files.path('ca.pem')];
  [upstream, mtls12, mtls13] = await Promise.all([
    sServer([...identity, '-alpn', 'h2,http/1.1']),
    sServer([...identity, ...requireClient, '-tls1_2']),
    sServer([...identity, ...requireClient, '-tls1_3']),
  ]);
});
afterAll(() => {
  for (const s of [upstream, mtls12, mtls13]) s?.stop();
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

  it('fails a hostname the certificate does not carry with InvalidCert', async () => {
    const e = await failure(
      connectTls({ host: '127.0.0.1', port: upstream.port, sni: 'wrong.test', ca: ca.cert }),
    );
    expect(e.kind).toBe('InvalidCert');
    expect((e.cause as { code?: string }).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('checks the IP address against the IP SANs when connecting without a name', async () => {
    const c = await connectTls({ host: '127.0.0.1', port: upstream.port, ca: ca.cert });
    expect(c.socket.authorized).toBe(true);
    c.socket.destroy();
  });

  it('fails an expected name the certificate does not carry with InvalidCert', async () => {
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

  it('mTLS over TLS 1.2: presents the client certificate; without one the handshake fails', async () => {
    const peer = { host: '127.0.0.1', port: mtls12.port, sni: 'origin.test', ca: ca.cert };
    const e = await failure(connectTls(peer));
    expect(e.kind).toBe('TLSHandshakeFailure');
    expect(e.source).toBe('upstream');
    const c = await connectTls({ ...peer, cert: client.cert, key: client.key });
    expect(c.socket.authorized).toBe(true);
    c.socket.end();
    await once(c.socket, 'close');
    expect(mtls12.output()).toContain('CN = proxy-client-7');
  });

  it('mTLS over TLS 1.3: the refusal of a client without a certificate comes on the first read', async () => {
    const peer = { host: '127.0.0.1', port: mtls13.port, sni: 'origin.test', ca: ca.cert };
    const refused = await connectTls(peer);
    const [error] = (await once(refused.socket, 'error')) as [Error & { code?: string }];
    expect(error.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(kindOfSystemCode(error.code!)).toBe('TLSHandshakeFailure');
    const c = await connectTls({ ...peer, cert: client.cert, key: client.key });
    c.socket.write('ping from the client\n');
    await waitFor(() => mtls13.output().includes('ping from the client'), 's_server to read');
    c.socket.destroy();
  });

  it('maps a refused connection to ConnectRefused, retryable', async () => {
    const port = await freePort();
    const e = await failure(connectTls({ host: '127.0.0.1', port }));
    expect(e.kind).toBe('ConnectRefused');
    expect(e.source).toBe('upstream');
    expect(e.canRetry(false)).toBe(true);
  });

  it('times out a handshake that never comes with TLSHandshakeTimedout', async () => {
    // Accepts and reads the ClientHello, never answers (reading lets the client's close end it).
    const silent = net.createServer((s) => s.resume());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const e = await failure(connectTls({ host: '127.0.0.1', port, timeoutMs: 200 }));
      expect(e.kind).toBe('TLSHandshakeTimedout');
      expect(e.downstreamStatus()).toBe(504);
    } finally {
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('connectTls against a node:tls server on TlsServerSettings', () => {
  async function serve(
    settings: TlsServerSettings,
    handler: (s: tls.TLSSocket) => void = (s) => {
      s.on('error', () => {});
      s.end('x');
    },
  ): Promise<{ port: number; close: () => Promise<void> }> {
    const server = settings.createServer(handler);
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      port: (server.address() as net.AddressInfo).port,
      close: () => new Promise((r) => server.close(() => r())),
    };
  }

  function peerName(c: TlsConnection): string {
    return String(c.socket.getPeerCertificate().subject?.CN);
  }

  it('sends SNI, so the server picks the certificate for that name', async () => {
    const a = createCertificate(ca, { dnsNames: ['a.test'] });
    const b = createCertificate(ca, { dnsNames: ['*.b.test'] });
    const server = await serve(new TlsServerSettings({ certificates: [a, b] }));
    try {
      for (const [sni, cn] of [
        ['a.test', 'a.test'],
        ['x.b.test', '*.b.test'],
      ] as const) {
        const c = await connectTls({ host: '127.0.0.1', port: server.port, sni, ca: ca.cert });
        expect(peerName(c)).toBe(cn);
        c.socket.destroy();
      }
      // No SNI for an IP host: the default certificate, which does not carry the IP.
      const e = await failure(connectTls({ host: '127.0.0.1', port: server.port, ca: ca.cert }));
      expect(e.kind).toBe('InvalidCert');
    } finally {
      await server.close();
    }
  });

  it('ALPN: h2 only, h2 then h1, h1 only', async () => {
    const both = await serve(
      new TlsServerSettings({
        certificates: [createCertificate(ca, { dnsNames: ['alpn.test'] })],
        alpn: ['h2', 'http/1.1'],
      }),
    );
    const h1only = await serve(
      new TlsServerSettings({ certificates: [createCertificate(ca, { dnsNames: ['alpn.test'] })] }),
    );
    const peer = { host: '127.0.0.1', sni: 'alpn.test', ca: ca.cert };
    try {
      const seen: (string | undefined)[] = [];
      for (const alpn of ['h2', 'h2h1', 'h1'] as const) {
        const c = await connectTls({ ...peer, port: both.port, alpn });
        seen.push(c.alpn);
        c.socket.destroy();
      }
      expect(seen).toEqual(['h2', 'h2', 'http/1.1']);
      const fallback = await connectTls({ ...peer, port: h1only.port, alpn: 'h2h1' });
      expect(fallback.alpn).toBe('http/1.1');
      fallback.socket.destroy();
      // RFC 7301 3.2: a server with no protocol in common answers no_application_protocol.
      const e = await failure(connectTls({ ...peer, port: h1only.port, alpn: 'h2' }));
      expect(e.kind).toBe('TLSHandshakeFailure');
      expect(String(e.cause)).toMatch(/no.application.protocol/i);
    } finally {
      await both.close();
      await h1only.close();
    }
  });

  it('fails an expired certificate with InvalidCert', async () => {
    const expired = createCertificate(ca, {
      dnsNames: ['old.test'],
      notBefore: new Date(Date.now() - 30 * 86_400_000),
      validityDays: 10,
    });
    const server = await serve(
      new TlsServerSettings({ certificates: [expired], onExpiryWarning: () => {} }),
    );
    try {
      const e = await failure(
        connectTls({ host: '127.0.0.1', port: server.port, sni: 'old.test', ca: ca.cert }),
      );
      expect(e.kind).toBe('InvalidCert');
      expect((e.cause as { code?: string }).code).toBe('CERT_HAS_EXPIRED');
    } finally {
      await server.close();
    }
  });

  it('fails a peer that does not speak TLS with TLSHandshakeFailure', async () => {
    const plain = net.createServer((s) => {
      s.on('error', () => {});
      s.resume(); // read the ClientHello away, so that the client's close ends this socket
      s.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    try {
      const port = (plain.address() as net.AddressInfo).port;
      const e = await failure(connectTls({ host: '127.0.0.1', port, sni: 'x.test' }));
      expect(e.kind).toBe('TLSHandshakeFailure');
      expect(e.source).toBe('upstream');
    } finally {
      await new Promise((r) => plain.close(r));
    }
  });
});

describe('tlsPeerKey', () => {
  it('separates peers whose sessions must not be shared', () => {
    const base = { host: 'h', port: 443, ca: ca.cert };
    const keys = new Set([
      tlsPeerKey(base),
      tlsPeerKey({ ...base, port: 8443 }),
      tlsPeerKey({ ...base, sni: 'other' }),
      tlsPeerKey({ ...base, expectedName: 'other' }),
      tlsPeerKey({ ...base, verify: false }),
      tlsPeerKey({ ...base, alpn: 'h2' }),
      tlsPeerKey({ ...base, ca: client.cert }),
      tlsPeerKey({ ...base, cert: client.cert, key: client.key }),
      tlsPeerKey({ host: 'h', port: 443 }),
    ]);
    expect(keys.size).toBe(9);
    expect(tlsPeerKey({ ...base, timeoutMs: 5 })).toBe(tlsPeerKey(base));
  });
});
