import { HttpConnector } from '@pingora-ts/http-client';
import { HttpServer } from '@pingora-ts/http-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// @pingora-ts/http-client against @pingora-ts/http-server: both are level 3, so neither can
// test against the other; the proxy (level 5) is the lowest package that may hold this test.
let server: HttpServer;
let port: number;
const client = new HttpConnector();
beforeAll(async () => {
  server = new HttpServer({
    handler: async (s) => {
      if (s.request.path === '/echo') {
        // Streams the request body back as it arrives (chunked both ways).
        await s.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        for await (const chunk of s.body()) await s.write(chunk);
        await s.end();
        return;
      }
      await s.respond(200, `served ${s.request.method} ${s.request.path} #${s.index}`);
    },
  });
  ({ port } = await server.listen(0, '127.0.0.1'));
});
afterAll(async () => {
  client.close();
  await server.close();
});

describe('our client against our server', () => {
  it('keep-alive: 200 sequential requests on one pooled connection', async () => {
    const peer = { host: '127.0.0.1', port };
    const before = client.stats();
    for (let i = 0; i < 200; i++) {
      const res = await client.request(peer, { path: `/r${i}` });
      expect((await res.bytes()).toString()).toBe(`served GET /r${i} #${i}`);
    }
    expect(client.stats().hits - before.hits).toBe(199);
    expect(server.connections).toBe(1);
  });

  it('streams a 4 MiB chunked request body and gets it back chunked, byte for byte', async () => {
    const size = 4 * 1024 * 1024;
    const sent = Buffer.alloc(size);
    for (let i = 0; i < size; i++) sent[i] = (i * 31) & 0xff;
    async function* body() {
      for (let at = 0; at < size; at += 100_000) yield sent.subarray(at, at + 100_000);
    }
    const res = await client.request(
      { host: '127.0.0.1', port },
      { method: 'POST', path: '/echo', body: body() },
    );
    expect(res.head.headers.get('transfer-encoding')).toBe('chunked');
    expect((await res.bytes()).equals(sent)).toBe(true);
  });
});
