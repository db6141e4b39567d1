import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';
import { closedPort, type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();

let a: Origin;
let b: Origin;
let slow: Origin;
let gw: GatewayUnderTest;
let deadPort: number;

beforeAll(async () => {
  a = await startOrigin('a');
  b = await startOrigin('b');
  slow = await startOrigin('slow', (_req, res) => {
    setTimeout(() => res.end('late'), 1500);
  });
  deadPort = await closedPort();
  gw = await startGateway(`
listeners: [{ address: "127.0.0.1:0" }]
upstreams:
  a: { backends: ["${a.address}"] }
  b: { backends: ["${b.address}"] }
  slow: { backends: ["${slow.address}"] }
  flaky:
    algorithm: round-robin
    backends: ["127.0.0.1:${deadPort}", "${a.address}"]
  flaky2:
    backends: ["127.0.0.1:${deadPort}", "${a.address}"]
routes:
  - name: users
    match: { paths: ["/users/:id"], methods: [GET] }
    upstream: a
    rewrite: { path: "/v2/users/{id}" }
    request_headers:
      set: { X-User-Id: "{id}", X-Route: "{route}" }
      add: { X-Extra: "one" }
      remove: [X-Secret]
    response_headers:
      set: { X-Served-By: gateway }
      remove: [X-Powered-By]
  - name: b-host
    match: { hosts: ["b.example.test"] }
    upstream: b
  - name: api
    match: { paths: ["/api/**"] }
    upstream: b
    rewrite: { strip_prefix: /api }
    max_body_bytes: 16
  - name: slow
    match: { paths: ["/slow"] }
    upstream: slow
    timeouts: { read_ms: 300 }
    retries: 0
  - name: flaky
    match: { paths: ["/flaky/**"] }
    upstream: flaky
    retries: 1
  - name: no-retry
    match: { paths: ["/dead"] }
    upstream: flaky2
    retries: 0
    priority: 1
  - name: private
    match: { paths: ["/private"] }
    upstream: a
    ip: { allow: ["10.0.0.0/8"] }
  - name: blocked
    match: { paths: ["/blocked"] }
    upstream: a
    ip: { deny: ["127.0.0.0/8"] }
  - name: cors
    match: { paths: ["/cors"] }
    upstream: a
    cors: { allow_origins: ["https://app.example.test"], allow_credentials: true, expose_headers: [X-Request-Id] }
  - name: teapot
    match: { paths: ["/teapot"] }
    respond: { status: 418, body: "short and stout", headers: { X-Tea: earl-grey } }
`);
});

afterAll(async () => {
  await gw.close();
  await Promise.all([a.close(), b.close(), slow.close()]);
  await checkLeaks();
});

async function get(
  path: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'POST' | 'OPTIONS' = 'GET',
  body?: string,
) {
  const res = await request(`${gw.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

/** Sends `GET target` as written (no URL parsing) and returns the status. */
async function rawStatus(target: string): Promise<number> {
  const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
  socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  let text = '';
  for await (const chunk of socket) text += chunk.toString();
  return Number(text.slice(9, 12));
}

describe('routing end to end', () => {
  it('routes by path with parameters, rewrites the path and edits headers both ways', async () => {
    const res = await get('/users/42?full=1', { 'X-Secret': 'hide me' });
    expect(res.status).toBe(200);
    const seen = a.seen.at(-1);
    expect(seen?.url).toBe('/v2/users/42?full=1');
    expect(seen?.headers['x-user-id']).toBe('42');
    expect(seen?.headers['x-route']).toBe('users');
    expect(seen?.headers['x-extra']).toBe('one');
    expect(seen?.headers['x-secret']).toBeUndefined();
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(res.headers['x-served-by']).toBe('gateway');
    // The request id the origin got is the one the client gets back.
    expect(res.headers['x-request-id']).toBe(seen?.headers['x-request-id']);
  });

  it('propagates a client X-Request-Id and makes one otherwise', async () => {
    const given = await get('/users/1', { 'X-Request-Id': 'abc-123' });
    expect(given.headers['x-request-id']).toBe('abc-123');
    expect(a.seen.at(-1)?.headers['x-request-id']).toBe('abc-123');
    const made = await get('/users/1');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('matches methods and hosts; answers 404 JSON when no route matches', async () => {
    const post = await get('/users/1', {}, 'POST');
    expect(post.status).toBe(404);
    expect(JSON.parse(post.text)).toMatchObject({ error: 'no route' });
    const host = await get('/anything', { Host: 'b.example.test' });
    expect(JSON.parse(host.text).origin).toBe('b');
  });

  it('strips a prefix and enforces the body size limit (Content-Length and streamed)', async () => {
    const ok = await get('/api/things', {}, 'POST', 'small');
    expect(JSON.parse(ok.text)).toMatchObject({ origin: 'b', url: '/things', body: 'small' });
    const big = await get('/api/things', {}, 'POST', 'x'.repeat(17));
    expect(big.status).toBe(413);
    const before = b.seen.length;
    const res = await request(`${gw.url}/api/things`, {
      method: 'POST',
      body: Readable.from([Buffer.from('x'.repeat(10)), Buffer.from('x'.repeat(10))]),
    });
    await res.body.text();
    expect(res.statusCode).toBe(413);
    expect(b.seen.length).toBe(before);
  });

  it('times out a slow upstream with 504 (route read timeout)', async () => {
    const res = await get('/slow');
    expect(res.status).toBe(504);
  });

  it('retries a refused connect on the next backend; with retries 0 it fails with 502', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await get(`/flaky/${i}`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text).origin).toBe('a');
    }
    const statuses = new Set<number>();
    // Round robin over [dead, a]: of two requests one meets the dead backend and is not retried.
    for (let i = 0; i < 2; i++) statuses.add((await get('/dead')).status);
    expect([...statuses].sort()).toEqual([200, 502]);
  });

  it('routes by the normalised path, so dot segments cannot skip a route and its policies', async () => {
    // Raw request targets: a URL parser (undici's) would resolve the dot segments itself.
    expect(await rawStatus('/teapot/../private')).toBe(403);
    expect(await rawStatus('/teapot/%2e%2E/private')).toBe(403);
    expect(await rawStatus('/x/..//%2E%2E/users/5?q=1')).toBe(200);
    expect(a.seen.at(-1)?.url).toBe('/v2/users/5?q=1');
  });

  it('applies IP allow and deny lists', async () => {
    expect((await get('/private')).status).toBe(403);
    expect((await get('/blocked')).status).toBe(403);
  });

  it('answers CORS preflights and decorates responses for allowed origins', async () => {
    const pre = await get(
      '/cors',
      {
        Origin: 'https://app.example.test',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'x-token',
      },
      'OPTIONS',
    );
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example.test');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(pre.headers['access-control-allow-headers']).toBe('x-token');
    const denied = await get(
      '/cors',
      { Origin: 'https://evil.test', 'Access-Control-Request-Method': 'PUT' },
      'OPTIONS',
    );
    expect(denied.status).toBe(403);
    const actual = await get('/cors', { Origin: 'https://app.example.test' });
    expect(actual.headers['access-control-allow-origin']).toBe('https://app.example.test');
    expect(actual.headers['access-control-expose-headers']).toBe('X-Request-Id');
    expect(actual.headers.vary).toMatch(/Origin/);
    const other = await get('/cors', { Origin: 'https://evil.test' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a respond route directly', async () => {
    const res = await get('/teapot');
    expect(res.status).toBe(418);
    expect(res.text).toBe('short and stout');
    expect(res.headers['x-tea']).toBe('earl-grey');
  });

  it('counts unknown methods under one metric label, so clients cannot grow the metrics', async () => {
    for (const method of ['BREW', 'WHEN', 'GET']) {
      const res = await request(`${gw.url}/nowhere`, { method });
      await res.body.text();
    }
    const text = await gw.gateway.metrics.render();
    expect(text).toMatch(/gateway_requests_total\{route="none",method="OTHER",status="404"\} 2/);
    expect(text).toMatch(/gateway_requests_total\{route="none",method="GET",status="404"\} \d+/);
    expect(text).not.toContain('BREW');
  });

  it('writes one access log line per request with id, route, status, upstream and latency', async () => {
    const res = await get('/users/9');
    const id = res.headers['x-request-id'];
    const line = gw.logs.find((l) => l.reqId === id);
    expect(line).toMatchObject({
      method: 'GET',
      path: '/users/9',
      status: 200,
      route: 'users',
      upstream: a.address,
      msg: 'request',
    });
    expect(typeof line?.latencyMs).toBe('number');
    expect(line?.bytes).toBeGreaterThan(0);
  });
});
