import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../src/index.js';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';
import { type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();

const run = promisify(execFile);
const certDir = join(tmpdir(), `gateway-h2-cert-${process.pid}`);
let origin: Origin;
let gw: GatewayUnderTest;

beforeAll(async () => {
  origin = await startOrigin('o');
  gw = await startGateway(
    `
listeners:
  - { name: plain, address: "127.0.0.1:0" }
  - { name: h2c, address: "127.0.0.1:0", h2: true }
  - { name: tls, address: "127.0.0.1:0", tls: { dev_certificate: true } }
  - { name: tls-h2, address: "127.0.0.1:0", tls: { dev_certificate: true }, h2: true }
upstreams: { o: { backends: ["${origin.address}"] } }
routes:
  - match: { paths: ["/**"] }
    upstream: o
    response_headers: { set: { X-Gateway: yes } }
`,
    { devCertificateDir: certDir },
  );
});

afterAll(async () => {
  await gw.close();
  await origin.close();
  rmSync(certDir, { recursive: true, force: true });
  await checkLeaks();
});

function listener(name: string) {
  return gw.gateway.listeners.find((l) => l.name === name)!;
}

describe('listeners: HTTPS with the development certificate, h2 by ALPN, h2c', () => {
  it('reports every listener with its URL', () => {
    expect(gw.gateway.listeners.map((l) => [l.name, l.url.split(':')[0]])).toEqual([
      ['plain', 'http'],
      ['h2c', 'http'],
      ['tls', 'https'],
      ['tls-h2', 'https'],
    ]);
  });

  it('HTTPS listeners verify against the development CA (undici, h2 allowed)', async () => {
    const ca = readFileSync(ensureDevCertificate(certDir).caFile);
    for (const name of ['tls', 'tls-h2']) {
      const agent = new Agent({ allowH2: true, connect: { ca, servername: 'localhost' } });
      const res = await request(`${listener(name).url}/hello`, { dispatcher: agent });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-gateway']).toBe('yes');
      const body = JSON.parse(await res.body.text());
      expect(body.url).toBe('/hello');
      expect(body.headers['x-forwarded-proto']).toBe('https');
      await agent.close();
    }
  });

  it('curl speaks h2 over TLS and h2c with prior knowledge; HTTP/1.1 still works on both', async () => {
    const ca = ensureDevCertificate(certDir).caFile;
    const tls = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_version} %{http_code}',
      '--cacert',
      ca,
      '--http2',
      `${listener('tls-h2').url}/a`,
    ]);
    expect(tls.stdout).toBe('2 200');
    const tlsH1 = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_version} %{http_code}',
      '--cacert',
      ca,
      '--http2',
      `${listener('tls').url}/a`,
    ]);
    expect(tlsH1.stdout).toBe('1.1 200');
    const h2c = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_version} %{http_code}',
      '--http2-prior-knowledge',
      `${listener('h2c').url}/b`,
    ]);
    expect(h2c.stdout).toBe('2 200');
    const h1 = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_version} %{http_code}',
      `${listener('h2c').url}/c`,
    ]);
    expect(h1.stdout).toBe('1.1 200');
    expect(origin.seen.map((s) => s.url)).toEqual(expect.arrayContaining(['/a', '/b', '/c']));
  });
});
