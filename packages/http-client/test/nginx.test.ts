import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpConnector } from '../src/index.js';
import { type Nginx, startNginx } from './nginx.js';

const LARGE = Buffer.alloc(65_536, 'x');
let nginx: Nginx;
const client = new HttpConnector();

beforeAll(async () => {
  nginx = await startNginx(
    `keepalive_timeout 1s;
    keepalive_requests 3;
    location = /hello { return 200 "hello from nginx"; }
    location = /large.bin { }
    location = /missing { return 404; }`,
    { 'large.bin': LARGE },
  );
});
afterAll(async () => {
  client.close();
  await nginx.stop();
});

describe('HttpConnector against nginx', () => {
  it('gets a body and reuses the connection for the next request', async () => {
    const peer = { host: '127.0.0.1', port: nginx.port };
    const a = await client.request(peer, { path: '/hello' });
    expect(a.status).toBe(200);
    expect(a.isReused).toBe(false);
    expect((await a.bytes()).toString()).toBe('hello from nginx');
    const b = await client.request(peer, { path: '/hello' });
    expect(b.isReused).toBe(true);
    expect((await b.bytes()).toString()).toBe('hello from nginx');
  });

  it('streams a 64 KiB file body', async () => {
    const res = await client.request(
      { host: '127.0.0.1', port: nginx.port },
      { path: '/large.bin' },
    );
    expect(res.head.headers.get('content-length')).toBe('65536');
    let total = 0;
    for await (const chunk of res.body) total += chunk.length;
    expect(total).toBe(65_536);
  });

  it('reads HEAD responses without a body, and 404s', async () => {
    const peer = { host: '127.0.0.1', port: nginx.port };
    const head = await client.request(peer, { method: 'HEAD', path: '/large.bin' });
    expect(head.status).toBe(200);
    expect((await head.bytes()).length).toBe(0);
    const missing = await client.request(peer, { path: '/missing' });
    expect(missing.status).toBe(404);
    await missing.bytes();
  });

  it('survives nginx closing idle pooled connections (keepalive_timeout) and after keepalive_requests', async () => {
    const peer = { host: '127.0.0.1', port: nginx.port };
    for (let i = 0; i < 7; i++) {
      const res = await client.request(peer, { path: '/hello' });
      expect(res.status).toBe(200);
      await res.bytes();
    }
    await new Promise((r) => setTimeout(r, 1_500));
    const late = await client.request(peer, { path: '/hello' });
    expect(late.status).toBe(200);
    expect((await late.bytes()).toString()).toBe('hello from nginx');
    // nginx closed the idle connection: either the pool saw it go (remote-close) or the
    // request found it dead before any response byte and was retried on a new one.
    expect(late.isReused).toBe(false);
    expect(client.stats().hits).toBeGreaterThan(0);
  });
});
