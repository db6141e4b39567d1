import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import { PingoraError } from '@pingora-ts/error';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCertificate,
  createCertificateAuthority,
  createTlsSettings,
  inspectCertificate,
  type KeyPairPem,
  TlsServerSettings,
} from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';
import { pemFiles, sClient } from './openssl.js';

expectNoLeakedHandles();

let ca: KeyPairPem;
let exact: KeyPairPem;
let wild: KeyPairPem;
let fallback: KeyPairPem;
let files: ReturnType<typeof pemFiles>;

beforeAll(() => {
  ca = createCertificateAuthority({ commonName: 'Server Test CA' });
  exact = createCertificate(ca, { dnsNames: ['api.example.test'] });
  wild = createCertificate(ca, { dnsNames: ['*.example.test'] });
  fallback = createCertificate(ca, { dnsNames: ['default.test'] });
  files = pemFiles({
    'ca.pem': ca.cert,
    'default.pem': fallback.cert,
    'default.key': fallback.key,
  });
});
afterAll(() => files.cleanup());

async function listen(server: tls.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

function close(server: tls.Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

/** A handler that answers `text` and closes, ignoring the client's abrupt close after it. */
function endQuietly(text?: string): (s: tls.TLSSocket) => void {
  return (s) => {
    s.on('error', () => {});
    if (text === undefined) s.end();
    else s.end(text);
  };
}

/** The CN of the certificate s_client was shown. */
function servedName(output: string): string | undefined {
  return /subject=.*?CN\s*=\s*([^\s,/]+)/.exec(output)?.[1];
}

describe('TlsServerSettings with openssl s_client', () => {
  it('picks the certificate by SNI: exact, then wildcard, then the default', async () => {
    const settings = new TlsServerSettings({
      certificates: [
        { certFile: files.path('default.pem'), keyFile: files.path('default.key') },
        wild,
        exact,
      ],
    });
    const server = settings.createServer(endQuietly());
    const port = await listen(server);
    try {
      const cases: [string[], string][] = [
        [['-servername', 'api.example.test'], 'api.example.test'],
        [['-servername', 'www.example.test'], '*.example.test'],
        [['-servername', 'deep.www.example.test'], 'default.test'],
        [['-servername', 'other.test'], 'default.test'],
        [['-noservername'], 'default.test'],
      ];
      for (const [args, expected] of cases) {
        const { output } = await sClient(port, args);
        expect(servedName(output), args.join(' ')).toBe(expected);
      }
    } finally {
      await close(server);
    }
  });

  it('negotiates h2 by ALPN when offered, http/1.1 otherwise, and refuses TLS 1.1', async () => {
    const settings = new TlsServerSettings({ certificates: [exact], alpn: ['h2', 'http/1.1'] });
    const server = settings.createServer(endQuietly());
    const port = await listen(server);
    try {
      expect((await sClient(port, ['-alpn', 'h2,http/1.1'])).output).toContain('ALPN protocol: h2');
      expect((await sClient(port, ['-alpn', 'http/1.1'])).output).toContain(
        'ALPN protocol: http/1.1',
      );
      // The same through a certificate chosen by SNI (the callback swaps the OpenSSL context).
      const sni = await sClient(port, ['-servername', 'api.example.test', '-alpn', 'h2,http/1.1']);
      expect(sni.output).toContain('ALPN protocol: h2');
      for (const args of [['-tls1_1'], ['-tls1_1', '-servername', 'api.example.test']]) {
        const old = await sClient(port, args);
        expect(old.output).not.toContain('ALPN protocol');
        expect(old.output).toMatch(/alert protocol version|no protocols available/i);
      }
    } finally {
      await close(server);
    }
  });

  it('mTLS: rejects a client without a certificate, accepts one signed by the CA', async () => {
    const client = createCertificate(ca, { commonName: 'client-1', dnsNames: ['client-1'] });
    const paths = pemFiles({ 'c.pem': client.cert, 'c.key': client.key });
    const settings = new TlsServerSettings({
      certificates: [fallback, exact],
      clientCertificate: { ca: ca.cert },
    });
    const accepted: string[] = [];
    const server = settings.createServer((s) => {
      s.on('error', () => {}); // the client may close abruptly after reading
      accepted.push(String((s.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN));
      s.end('hello\n');
    });
    const refused: string[] = [];
    server.on('tlsClientError', (e: Error & { code?: string }) =>
      refused.push(e.code ?? e.message),
    );
    const port = await listen(server);
    try {
      const without = await sClient(port, ['-tls1_3', '-ign_eof']);
      const withCert = await sClient(port, [
        '-tls1_3',
        '-cert',
        paths.path('c.pem'),
        '-key',
        paths.path('c.key'),
      ]);
      // Through a certificate chosen by SNI, and over TLS 1.2, where the refusal is in the handshake.
      const sniCert = ['-servername', 'api.example.test', '-cert', paths.path('c.pem')];
      const viaSni = await sClient(port, [...sniCert, '-key', paths.path('c.key'), '-ign_eof']);
      const old = await sClient(port, ['-tls1_2', '-servername', 'api.example.test']);
      // TLS 1.3: the client finishes first; the server then refuses it with an alert.
      expect(without.output).not.toContain('hello');
      expect(without.output).toMatch(/alert|certificate required/i);
      expect(refused[0]).toBe('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
      expect(withCert.output).toContain('Acceptable client certificate CA names');
      expect(servedName(viaSni.output)).toBe('api.example.test');
      expect(viaSni.output).toContain('hello');
      expect(old.output).not.toContain('hello');
      expect(old.output).toMatch(/handshake failure|alert/i);
      expect(accepted).toEqual(['client-1', 'client-1']);
      expect(refused).toHaveLength(2);
    } finally {
      await close(server);
      paths.cleanup();
    }
  });

  it('serverOptions() drive http2.createSecureServer: undici speaks h2 by ALPN, SNI picks the certificate', async () => {
    const settings = createTlsSettings({
      certificates: [fallback, exact],
      alpn: ['h2', 'http/1.1'],
    });
    const server = http2.createSecureServer(
      { ...settings.serverOptions(), allowHTTP1: true },
      (req, res) => {
        const socket = req.socket as tls.TLSSocket;
        res.end(`${req.httpVersion} ${socket.servername} ${socket.alpnProtocol}`);
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const client = new Client(`https://127.0.0.1:${port}`, {
      allowH2: true,
      connect: { ca: ca.cert, servername: 'api.example.test' },
    });
    try {
      const response = await client.request({ path: '/', method: 'GET' });
      expect(await response.body.text()).toBe('2.0 api.example.test h2');
    } finally {
      await client.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('reloads certificate files without a restart: new handshakes get the new certificate', async () => {
    const paths = pemFiles({ 'c.pem': exact.cert, 'c.key': exact.key });
    const settings = new TlsServerSettings({
      certificates: [{ certFile: paths.path('c.pem'), keyFile: paths.path('c.key') }],
    });
    const server = settings.createServer(endQuietly());
    const port = await listen(server);
    try {
      expect(servedName((await sClient(port, ['-servername', 'api.example.test'])).output)).toBe(
        'api.example.test',
      );
      const renewed = createCertificate(ca, {
        dnsNames: ['api.example.test'],
        commonName: 'renewed.example.test',
      });
      writeFileSync(paths.path('c.pem'), renewed.cert);
      writeFileSync(paths.path('c.key'), renewed.key);
      settings.reload();
      expect(servedName((await sClient(port, ['-servername', 'api.example.test'])).output)).toBe(
        'renewed.example.test',
      );
      expect(settings.certificates()[0]!.fingerprint256).toBe(
        inspectCertificate(renewed.cert).fingerprint256,
      );
      // A broken file keeps the old certificate and says why.
      writeFileSync(paths.path('c.key'), 'not a key');
      expect(() => settings.reload()).toThrow(PingoraError);
      expect(servedName((await sClient(port, ['-servername', 'api.example.test'])).output)).toBe(
        'renewed.example.test',
      );
    } finally {
      await close(server);
      paths.cleanup();
    }
  });

  it('resumes sessions with tickets (openssl -sess_out / -sess_in)', async () => {
    const settings = new TlsServerSettings({ certificates: [exact] });
    const server = settings.createServer(endQuietly('x'));
    const port = await listen(server);
    const paths = pemFiles({});
    try {
      const first = await sClient(port, ['-tls1_3', '-ign_eof', '-sess_out', paths.path('sess')]);
      expect(first.output).toMatch(/^New,/m);
      const second = await sClient(port, ['-tls1_3', '-ign_eof', '-sess_in', paths.path('sess')]);
      expect(second.output).toMatch(/^Reused,/m);
      // -reconnect: one full handshake, then five resumed ones (TLS 1.2; s_client 3.0 takes
      // its session before TLS 1.3 tickets arrive, so -reconnect does not resume over 1.3).
      const again = await sClient(port, ['-tls1_2', '-reconnect']);
      expect(again.output.match(/^(New|Reused),/gm)).toEqual([
        'New,',
        'Reused,',
        'Reused,',
        'Reused,',
        'Reused,',
        'Reused,',
      ]);
    } finally {
      await close(server);
      paths.cleanup();
    }
  });

  it('warns about certificates expiring within 14 days, on load, on reload and when asked', () => {
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const soon = createCertificate(ca, { dnsNames: ['soon.test'], notBefore, validityDays: 20 });
    const paths = pemFiles({ 's.pem': soon.cert, 's.key': soon.key });
    let now = Date.parse('2030-01-02T00:00:00Z');
    const heard: string[] = [];
    const settings = new TlsServerSettings({
      certificates: [{ certFile: paths.path('s.pem'), keyFile: paths.path('s.key') }],
      clock: () => now,
      onExpiryWarning: (m) => heard.push(m),
    });
    expect(heard).toEqual([]); // 19 days left
    now = Date.parse('2030-01-08T00:00:00Z');
    settings.reload();
    expect(heard).toEqual([
      'certificate for soon.test expires in 13 days (2030-01-21T00:00:00.000Z)',
    ]);
    expect(settings.expiryWarnings()).toEqual(heard);
    expect(settings.expiryWarnings(new Date('2030-01-22T00:00:00Z'))).toEqual([
      'certificate for soon.test expired on 2030-01-21T00:00:00.000Z',
    ]);
    paths.cleanup();
  });

  it('emits a process warning by default, and rejects bad settings', async () => {
    const soon = createCertificate(ca, { dnsNames: ['soon.test'], validityDays: 10 });
    const warned = once(process, 'warning');
    const settings = new TlsServerSettings({ certificates: [exact, soon] });
    const [warning] = (await warned) as [Error];
    expect(warning.name).toBe('CertificateExpiryWarning');
    expect(warning.message).toMatch(/^certificate for soon\.test expires in (9|10) days/);
    const later = new Date(Date.now() + 100 * 86_400_000);
    expect(settings.expiryWarnings(later)).toHaveLength(2);
    expect(() => new TlsServerSettings({ certificates: [] })).toThrow(PingoraError);
    expect(() => new TlsServerSettings({ certificates: [exact], defaultCertificate: 3 })).toThrow(
      /defaultCertificate/,
    );
    const missing = (() => {
      try {
        new TlsServerSettings({ certificates: [{ certFile: '/nonexistent.pem', key: exact.key }] });
      } catch (e) {
        return e as PingoraError;
      }
    })();
    expect(missing?.kind).toBe('FileReadError');
    expect(missing?.detail?.file).toBe('/nonexistent.pem');
  });
});
