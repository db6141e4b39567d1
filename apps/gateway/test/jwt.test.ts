import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtVerifier } from '../src/index.js';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';
import { type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();

const SECRET = 'a-shared-secret-of-enough-length!';
let origin: Origin;
let gw: GatewayUnderTest;
let jwks: Server;
let jwksKeys: JWK[] = [];
let jwksFetches = 0;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let ec: Awaited<ReturnType<typeof generateKeyPair>>;

async function sign(
  alg: 'HS256' | 'RS256' | 'ES256',
  key: CryptoKey | Uint8Array,
  claims: Record<string, unknown> = {},
  options: { kid?: string; iss?: string; aud?: string; exp?: string | number } = {},
): Promise<string> {
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, ...(options.kid === undefined ? {} : { kid: options.kid }) })
    .setSubject('user-7')
    .setIssuer(options.iss ?? 'https://issuer.test')
    .setAudience(options.aud ?? 'api')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m');
  if (options.exp === 0) jwt = jwt.setExpirationTime(Math.floor(Date.now() / 1000) - 60);
  return jwt.sign(key);
}

beforeAll(async () => {
  origin = await startOrigin('o');
  rsa = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  jwks = createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: jwksKeys }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksPort = (jwks.address() as AddressInfo).port;
  jwksKeys = [{ ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256' }];
  const rsaPem = await exportSPKI(rsa.publicKey);
  const ecPem = await exportSPKI(ec.publicKey);
  const indent = (pem: string) => pem.trim().split('\n').join('\n        ');
  gw = await startGateway(`
listeners: [{ address: "127.0.0.1:0" }]
upstreams: { o: { backends: ["${origin.address}"] } }
routes:
  - name: hs
    match: { paths: ["/hs"] }
    upstream: o
    jwt:
      secret: "${SECRET}"
      issuer: https://issuer.test
      audience: api
      required_claims: [role]
      forward_claims: { sub: X-User, role: X-Role }
  - name: rs
    match: { paths: ["/rs"] }
    upstream: o
    jwt:
      algorithms: [RS256]
      public_key: |
        ${indent(rsaPem)}
  - name: es
    match: { paths: ["/es"] }
    upstream: o
    jwt:
      algorithms: [ES256]
      public_key: |
        ${indent(ecPem)}
  - name: jwks
    match: { paths: ["/jwks"] }
    upstream: o
    jwt:
      algorithms: [RS256, ES256]
      jwks_url: http://127.0.0.1:${jwksPort}/.well-known/jwks.json
      jwks_cooldown_seconds: 0
      forward_claims: { sub: X-User }
  - name: per-user
    match: { paths: ["/limited"] }
    upstream: o
    jwt: { secret: "${SECRET}" }
    rate_limit: { key: "claim:sub", rate_per_second: 0.1, burst: 1 }
`);
});

afterAll(async () => {
  await gw.close();
  await origin.close();
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
  await checkLeaks();
});

async function call(path: string, token?: string) {
  const res = await request(`${gw.url}${path}`, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

const hs = new TextEncoder().encode(SECRET);

describe('JWT authentication', () => {
  it('HS256: valid token passes and forwards chosen claims as headers', async () => {
    const res = await call('/hs', await sign('HS256', hs, { role: 'admin' }));
    expect(res.status).toBe(200);
    const seen = origin.seen.at(-1);
    expect(seen?.headers['x-user']).toBe('user-7');
    expect(seen?.headers['x-role']).toBe('admin');
  });

  it('401 with WWW-Authenticate for missing, expired, wrong issuer, audience, claim or signature', async () => {
    const missing = await call('/hs');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="hs"');
    const cases = [
      await sign('HS256', hs, { role: 'a' }, { exp: 0 }),
      await sign('HS256', hs, { role: 'a' }, { iss: 'https://other.test' }),
      await sign('HS256', hs, { role: 'a' }, { aud: 'other' }),
      await sign('HS256', hs, {}),
      await sign('HS256', new TextEncoder().encode('another-secret-of-enough-length!!'), {
        role: 'a',
      }),
      'not.a.token',
    ];
    for (const token of cases) {
      const res = await call('/hs', token);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="hs", error="invalid_token", error_description="[^"]+"$/,
      );
    }
  });

  it('RS256 and ES256 with a configured public key; the wrong algorithm is refused', async () => {
    expect((await call('/rs', await sign('RS256', rsa.privateKey))).status).toBe(200);
    expect((await call('/es', await sign('ES256', ec.privateKey))).status).toBe(200);
    expect((await call('/rs', await sign('ES256', ec.privateKey))).status).toBe(401);
    expect((await call('/rs', await sign('HS256', hs))).status).toBe(401);
  });

  it('JWKS URL: cached, and fetched again when a token names an unknown kid', async () => {
    const before = jwksFetches;
    expect(
      (await call('/jwks', await sign('RS256', rsa.privateKey, {}, { kid: 'k1' }))).status,
    ).toBe(200);
    expect(
      (await call('/jwks', await sign('RS256', rsa.privateKey, {}, { kid: 'k1' }))).status,
    ).toBe(200);
    expect(jwksFetches - before).toBe(1);
    // Key rotation: a new kid appears at the JWKS endpoint.
    jwksKeys = [...jwksKeys, { ...(await exportJWK(ec.publicKey)), kid: 'k2', alg: 'ES256' }];
    const res = await call('/jwks', await sign('ES256', ec.privateKey, {}, { kid: 'k2' }));
    expect(res.status).toBe(200);
    expect(jwksFetches - before).toBe(2);
    expect(origin.seen.at(-1)?.headers['x-user']).toBe('user-7');
    // A kid the endpoint does not have either: refused after one more fetch.
    const unknown = await call('/jwks', await sign('RS256', rsa.privateKey, {}, { kid: 'k9' }));
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('rate limit keyed by a verified claim', async () => {
    const alice = await sign('HS256', hs, {}, {});
    const bob = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .sign(hs);
    expect((await call('/limited', alice)).status).toBe(200);
    expect((await call('/limited', alice)).status).toBe(429);
    expect((await call('/limited', bob)).status).toBe(200);
    // Unauthenticated requests are refused before they could use anyone's quota.
    expect((await call('/limited')).status).toBe(401);
  });
});

describe('JwtVerifier', () => {
  it('remembers a verified token (no key lookup) until its exp at most; never a refused one', async () => {
    let now = Date.now();
    let served = 0;
    const keys = createServer((_req, res) => {
      served++;
      res.end(JSON.stringify({ keys: jwksKeys }));
    });
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(keys.address() as AddressInfo).port}/jwks`;
    // jose forgets the key set at once (max age 1 ms): every real verification fetches it.
    const verifier = new JwtVerifier(
      'r',
      { jwks_url: url, jwks_max_age_seconds: 0.001, jwks_cooldown_seconds: 0 },
      () => now,
    );
    const token = await sign('RS256', rsa.privateKey, {}, { kid: 'k1', exp: '90s' });
    expect((await verifier.verify(`Bearer ${token}`)).isValid).toBe(true);
    expect(served).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    expect((await verifier.verify(`Bearer ${token}`)).isValid).toBe(true);
    expect(served).toBe(1);
    // After the remembering time (60 s) the signature is checked again: the key set is fetched.
    now += 61_000;
    expect((await verifier.verify(`Bearer ${token}`)).isValid).toBe(true);
    expect(served).toBe(2);
    // Past exp (90 s) by the injected clock: refused, whatever was remembered.
    now += 30_000;
    expect((await verifier.verify(`Bearer ${token}`)).isValid).toBe(false);
    const bad = `${token.slice(0, -4)}AAAA`;
    now -= 30_000;
    expect((await verifier.verify(`Bearer ${bad}`)).isValid).toBe(false);
    expect((await verifier.verify(`Bearer ${bad}`)).isValid).toBe(false);
    await new Promise<void>((resolve) => keys.close(() => resolve()));
  });
});
