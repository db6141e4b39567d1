import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as startRewrite } from '../examples/body-rewrite.js';
import { start as startErrorPage } from '../examples/error-page.js';
import { start as startFilter } from '../examples/filter-headers.js';
import { start as startBalanced } from '../examples/load-balanced.js';
import { closedPort } from './origin.js';

/** A node:http backend that names itself; `/page` is HTML sent in small pieces. */
async function backend(name: string): Promise<{ addr: string; server: http.Server }> {
  const server = http.createServer((req, res) => {
    res.setHeader('Server', 'backend/1.0');
    if (req.url === '/page') {
      res.setHeader('Content-Type', 'text/html');
      const page = `<html><body class="x"><h1>${name}</h1></body></html>`;
      for (let i = 0; i < page.length; i += 7) res.write(page.slice(i, i + 7));
      res.end();
      return;
    }
    res.end(
      `${name} ${req.url} key=${req.headers['x-api-key'] ?? '-'} client=${req.headers['x-client-address'] ?? '-'}`,
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { addr: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let a: Awaited<ReturnType<typeof backend>>;
let b: Awaited<ReturnType<typeof backend>>;
beforeAll(async () => {
  a = await backend('a');
  b = await backend('b');
});
afterAll(() => {
  a.server.close();
  b.server.close();
});

const text = async (url: string, headers: Record<string, string> = {}) => {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
};

describe('examples/', () => {
  it('load-balanced: alternates between backends and skips a dead one', async () => {
    const dead = `127.0.0.1:${await closedPort()}`;
    const proxy = await startBalanced([a.addr, dead, b.addr], 0);
    try {
      const names = [];
      for (let i = 0; i < 6; i++)
        names.push((await text(`http://127.0.0.1:${proxy.port}/`)).body[0]);
      expect(names.filter((n) => n === 'a').length).toBeGreaterThanOrEqual(2);
      expect(names.filter((n) => n === 'b').length).toBeGreaterThanOrEqual(2);
      expect(names.every((n) => n === 'a' || n === 'b')).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('filter-headers: 401 without the key; with it, headers added and removed both ways', async () => {
    const proxy = await startFilter(a.addr, 0);
    try {
      const denied = await text(`http://127.0.0.1:${proxy.port}/x`);
      expect(denied.status).toBe(401);
      expect(denied.body).toBe('API key required');
      const ok = await text(`http://127.0.0.1:${proxy.port}/x`, { 'X-Api-Key': 'let-me-in' });
      expect(ok.status).toBe(200);
      expect(ok.body).toBe('a /x key=- client=127.0.0.1');
      expect(ok.headers.server).toBeUndefined();
      expect(Number(ok.headers['x-proxy-time-ms'])).toBeGreaterThanOrEqual(0);
    } finally {
      await proxy.close();
    }
  });

  it('body-rewrite: the banner goes in after <body>, whatever the chunking', async () => {
    const proxy = await startRewrite(b.addr, 0);
    try {
      const page = await text(`http://127.0.0.1:${proxy.port}/page`);
      expect(page.body).toBe(
        '<html><body class="x"><p class="banner">served by Pingora-TS</p><h1>b</h1></body></html>',
      );
      const plain = await text(`http://127.0.0.1:${proxy.port}/plain`);
      expect(plain.body).toBe('b /plain key=- client=-');
    } finally {
      await proxy.close();
    }
  });

  it('error-page: an HTML page with the status and Retry-After when the upstream is down', async () => {
    const proxy = await startErrorPage(`127.0.0.1:${await closedPort()}`, 0);
    try {
      const page = await text(`http://127.0.0.1:${proxy.port}/`);
      expect(page.status).toBe(502);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['retry-after']).toBe('10');
      expect(page.body).toContain('could not be reached');
    } finally {
      await proxy.close();
    }
  });
});
