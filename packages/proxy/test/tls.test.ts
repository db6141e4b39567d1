import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { PingoraError } from '@pingora-ts/error';
import { createCertificate, createCertificateAuthority, type KeyPairPem } from '@pingora-ts/tls';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DownstreamTls, HttpProxy } from '../src/index.js';

let ca: KeyPairPem;
let leaf: KeyPairPem;
let expired: KeyPairPem;
let origin: https.Server;
let expiredOrigin: https.Server;
let originPort: number;
let expiredPort: number;
beforeAll(async () => {
  ca = createCertificateAuthority({ commonName: 'proxy test CA' });
  leaf = createCertificate(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'] });
  expired = createCertificate(ca, {
    dnsNames: ['localhost'],
    notBefore: new Date(Date.now() - 10 * 86_400_000),
    validityDays: 2,
  });
  origin = https.createServer({ ...leaf }, (req, res) => {
    res.end(`tls origin ${req.url} sni=${(req.socket as import('node:tls').TLSSocket).servername}`);
  });
  expiredOrigin = https.createServer({ ...expired }, (_req, res) =>
    res.end('should not be reached'),
  );
  origin.listen(0, '127.0.0.1');
  expiredOrigin.listen(0, '127.0.0.1');
  await Promise.all([once(origin, 'listening'), once(expiredOrigin, 'listening')]);
  originPort = (origin.address() as AddressInfo).port;
  expiredPort = (expiredOrigin.address() as AddressInfo).port;
});
afterAll(() => {
  origin.close();
  expiredOrigin.close();
});

describe('TLS on both sides', () => {
  it('HTTPS client -> proxy -> HTTPS origin verified against its CA with SNI; TLS facts in the session', async () => {
    let facts: DownstreamTls | undefined;
    const proxy = new HttpProxy(
      {
        upstreamPeer: () => ({
          host: '127.0.0.1',
          port: originPort,
          tls: { ca: ca.cert, sni: 'localhost' },
        }),
        logging: (s) => {
          facts = s.tls;
        },
      },
      { tls: { ...leaf } },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    const dispatcher = new Agent({ connect: { ca: ca.cert, servername: 'localhost' } });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await request(`https://127.0.0.1:${port}/secure`, { dispatcher });
        expect(await res.body.text()).toBe('tls origin /secure sni=localhost');
      }
      expect(facts?.servername).toBe('localhost');
      expect(facts?.version).toMatch(/^TLSv1\.[23]$/);
      expect(facts?.cipher).toBeTruthy();
      expect(proxy.connector.stats().hits).toBeGreaterThanOrEqual(1); // the TLS upstream connection was reused
    } finally {
      await dispatcher.close();
      await proxy.close();
    }
  });

  it('an upstream with an expired certificate: 502, and the error says why', async () => {
    let logged: PingoraError | undefined;
    const proxy = new HttpProxy({
      upstreamPeer: () => ({
        host: '127.0.0.1',
        port: expiredPort,
        tls: { ca: ca.cert, sni: 'localhost' },
      }),
      logging: (_s, e) => {
        logged = e;
      },
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const res = await request(`http://127.0.0.1:${port}/`);
      await res.body.dump();
      expect(res.statusCode).toBe(502);
      expect(logged?.kind).toBe('InvalidCert');
      expect(String(logged)).toMatch(/expired/i);
    } finally {
      await proxy.close();
    }
  });
});
