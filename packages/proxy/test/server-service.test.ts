import { Server } from '@pingora-ts/server';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy } from '../src/index.js';
import { type Origin, startOrigin } from './origin.js';

let origin: Origin;
beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    setTimeout(() => res.end(`done ${req.url}`), req.url === '/slow' ? 300 : 0);
  });
});
afterAll(() => origin.close());

describe('HttpProxy as a @pingora-ts/server service', () => {
  it('serves through the server, and a graceful shutdown lets the request in flight finish', async () => {
    const proxy = new HttpProxy({ upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }) });
    const server = new Server().addService({
      name: 'proxy',
      listeners: [{ address: '127.0.0.1:0' }],
      app: proxy.application(),
    });
    await server.start();
    const address = server.listeners()[0]?.address as string;
    const base = `http://${address}`;
    expect(await (await request(`${base}/fast`)).body.text()).toBe('done /fast');
    const slow = request(`${base}/slow`).then(
      async (r) => `${r.statusCode} ${await r.body.text()}`,
    );
    await new Promise((r) => setTimeout(r, 50));
    const drained = await server.shutdown({ graceMs: 5_000 });
    expect(await slow).toBe('200 done /slow');
    expect(drained).toBeDefined();
    expect(server.connections).toBe(0);
  });
});
