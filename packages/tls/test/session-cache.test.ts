import { randomBytes, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectTls,
  createCertificate,
  createCertificateAuthority,
  type KeyPairPem,
  type TlsPeer,
  TlsServerSettings,
  TlsSessionCache,
  tlsPeerKey,
} from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';
import { pemFiles } from './openssl.js';

expectNoLeakedHandles();

describe('TlsSessionCache', () => {
  it('behaves like a map that drops its least recently stored peer (model test)', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('set' as const), peer: fc.nat(6), value: fc.nat(255) }),
      fc.record({ op: fc.constant('get' as const), peer: fc.nat(6) }),
      fc.record({ op: fc.constant('delete' as const), peer: fc.nat(6) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        const cache = new TlsSessionCache(max);
        // Reference: an array of [peer, value], oldest first.
        let model: [string, number][] = [];
        for (const o of ops) {
          const peer = `p${o.peer}`;
          if (o.op === 'set') {
            cache.set(peer, Buffer.from([o.value]));
            model = model.filter(([p]) => p !== peer);
            model.push([peer, o.value]);
            if (model.length > max) model.shift();
          } else if (o.op === 'delete') {
            cache.delete(peer);
            model = model.filter(([p]) => p !== peer);
          } else {
            const expected = model.find(([p]) => p === peer)?.[1];
            expect(cache.get(peer)?.[0]).toBe(expected);
          }
          expect(cache.size).toBe(model.length);
        }
      }),
    );
    expect(() => new TlsSessionCache(0)).toThrow(RangeError);
  });
});

describe('session resumption, connectTls against TlsServerSettings', () => {
  let ca: KeyPairPem;
  let a: KeyPairPem;
  let b: KeyPairPem;
  let clientCert: KeyPairPem;
  const servers: tls.Server[] = [];

  beforeAll(() => {
    ca = createCertificateAuthority({ commonName: 'Resumption CA' });
    a = createCertificate(ca, { dnsNames: ['a.test'] });
    b = createCertificate(ca, { dnsNames: ['b.test'] });
    clientCert = createCertificate(ca, { commonName: 'client' });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  async function serve(settings: TlsServerSettings, maxVersion?: tls.SecureVersion) {
    const handler = (s: tls.TLSSocket) => {
      s.on('error', () => {});
      // Writing flushes the TLS 1.3 tickets, which the server sends after its handshake.
      s.end('x');
    };
    const server =
      maxVersion === undefined
        ? settings.createServer(handler)
        : tls.createServer({ ...settings.serverOptions(), maxVersion }, handler);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as net.AddressInfo).port;
  }

  /** Connects, reads to the end (so every ticket has come), and says whether it resumed. */
  async function roundTrip(peer: TlsPeer, sessions: TlsSessionCache): Promise<boolean> {
    const c = await connectTls(peer, sessions);
    c.socket.resume();
    await once(c.socket, 'end');
    c.socket.destroy();
    return c.resumed;
  }

  it.each([
    ['TLS 1.3', undefined],
    ['TLS 1.2', 'TLSv1.2'],
  ] as const)('%s: the second connection resumes, and the cache counts it', async (_, max) => {
    const port = await serve(new TlsServerSettings({ certificates: [a] }), max);
    const sessions = new TlsSessionCache();
    const peer = { host: '127.0.0.1', port, sni: 'a.test', ca: ca.cert };
    const resumed = [];
    for (let i = 0; i < 3; i++) resumed.push(await roundTrip(peer, sessions));
    expect(resumed).toEqual([false, true, true]);
    expect({ full: sessions.full, resumed: sessions.resumed }).toEqual({ full: 1, resumed: 2 });
  });

  it('resumes on another server that shares the ticket keys (another worker), not on one that does not', async () => {
    const ticketKeys = randomBytes(48);
    const first = await serve(new TlsServerSettings({ certificates: [a, b], ticketKeys }));
    const twin = await serve(new TlsServerSettings({ certificates: [a, b], ticketKeys }));
    const stranger = await serve(new TlsServerSettings({ certificates: [a, b] }));
    const sessions = new TlsSessionCache();
    const peer = { host: '127.0.0.1', port: first, sni: 'b.test', ca: ca.cert };
    expect(await roundTrip(peer, sessions)).toBe(false);
    // Move the session to the other ports' keys, as a load balancer in front of workers would.
    const session = sessions.get(tlsPeerKey(peer))!;
    for (const port of [twin, stranger]) sessions.set(tlsPeerKey({ ...peer, port }), session);
    expect(await roundTrip({ ...peer, port: twin }, sessions)).toBe(true);
    expect(await roundTrip({ ...peer, port: stranger }, sessions)).toBe(false);
  });

  it('resumes with a certificate chosen by SNI and a client certificate (mTLS)', async () => {
    const port = await serve(
      new TlsServerSettings({ certificates: [a, b], clientCertificate: { ca: ca.cert } }),
    );
    const sessions = new TlsSessionCache();
    const peer = {
      host: '127.0.0.1',
      port,
      sni: 'b.test',
      ca: ca.cert,
      cert: clientCert.cert,
      key: clientCert.key,
    };
    expect(await roundTrip(peer, sessions)).toBe(false);
    expect(await roundTrip(peer, sessions)).toBe(true);
  });

  it('sessions issued before a reload still resume after it', async () => {
    const files = pemFiles({ 'c.pem': a.cert, 'c.key': a.key });
    try {
      const settings = new TlsServerSettings({
        certificates: [{ certFile: files.path('c.pem'), keyFile: files.path('c.key') }],
      });
      const port = await serve(settings);
      const sessions = new TlsSessionCache();
      const peer = { host: '127.0.0.1', port, sni: 'a.test', ca: ca.cert };
      expect(await roundTrip(peer, sessions)).toBe(false);
      const renewed = createCertificate(ca, { dnsNames: ['a.test'] });
      writeFileSync(files.path('c.pem'), renewed.cert);
      writeFileSync(files.path('c.key'), renewed.key);
      settings.reload();
      expect(await roundTrip(peer, sessions)).toBe(true);
      // A fresh client gets the renewed certificate.
      const fresh = await connectTls(peer);
      expect(fresh.socket.getPeerCertificate().fingerprint256).toBe(
        new X509Certificate(renewed.cert).fingerprint256,
      );
      fresh.socket.destroy();
    } finally {
      files.cleanup();
    }
  });
});
