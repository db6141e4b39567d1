import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { WebSocketMessage } from '@pingora-ts/websocket';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { HttpProxy, type ProxyHttp } from '../src/index.js';

describe('upgrades: a real ws client and server through the tunnel', () => {
  let server: http.Server;
  let wss: WebSocketServer;
  let upstreamPort: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('plain'));
    wss = new WebSocketServer({ server });
    wss.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => {
        if (data.toString() === 'bye') socket.close(4000, 'server says bye');
        else socket.send(isBinary ? data : `echo ${data.toString()}`, { binary: isBinary });
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    upstreamPort = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    wss.close();
    server.closeAllConnections();
    server.close();
  });

  it('messages both ways, a 1 MiB binary message, and a close started by the server', async () => {
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`);
    await once(ws, 'open');
    const next = () => once(ws, 'message').then(([data]) => data as Buffer);
    ws.send('hello');
    expect((await next()).toString()).toBe('echo hello');
    const big = Buffer.alloc(1024 * 1024, 7);
    ws.send(big);
    expect(Buffer.compare(await next(), big)).toBe(0);
    ws.send('bye');
    const [code, reason] = await once(ws, 'close');
    expect(code).toBe(4000);
    expect(String(reason)).toBe('server says bye');
    await proxy.close(); // resolves only once the tunnel is torn down
  });

  it('a close started by the client tears the tunnel down', async () => {
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    ws.close(1000, 'done');
    const [code] = await once(ws, 'close');
    expect(code).toBe(1000);
    await proxy.close();
  });

  it('an idle tunnel is closed after upgradeIdleTimeoutMs; close() waits for its logging', async () => {
    let sent = -1;
    const proxy = new HttpProxy(
      {
        upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
        // A slow logger: close() must still wait for it.
        logging: async (s) => {
          await new Promise((r) => setTimeout(r, 50));
          sent = s.bytesSent;
        },
      },
      { upgradeIdleTimeoutMs: 200 },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    const [code] = await once(ws, 'close');
    expect(code).toBe(1006); // cut, not closed by a close frame
    await proxy.close();
    expect(sent).toBeGreaterThanOrEqual(0);
  });
});

describe('streamed responses pass without added delay', () => {
  it('each server-sent event reaches the client before the upstream writes the next', async () => {
    let release: (() => void) | undefined;
    const server = http.createServer(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      for (let i = 0; i < 3; i++) {
        res.write(`data: event ${i}\n\n`);
        // The next event is written only once the client has seen this one.
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const upstreamPort = (server.address() as AddressInfo).port;
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    const res = await request(`http://127.0.0.1:${port}/events`);
    expect(res.headers['content-type']).toBe('text/event-stream');
    const seen: string[] = [];
    for await (const chunk of res.body) {
      seen.push(String(chunk));
      release?.();
    }
    expect(seen.join('')).toBe('data: event 0\n\ndata: event 1\n\ndata: event 2\n\n');
    expect(seen.length).toBeGreaterThanOrEqual(3);
    await proxy.close();
    server.close();
  });
});

describe('bodies that arrive whole with their head', () => {
  it('a 40 KiB body in the same packet as its head goes through at once', async () => {
    const body = Buffer.alloc(40 * 1024, 120);
    const server = net.createServer((socket) => {
      socket.on('data', () => {
        socket.write(
          Buffer.concat([
            Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`),
            body,
          ]),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const upstreamPort = (server.address() as AddressInfo).port;
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    for (let i = 0; i < 3; i++) {
      const res = await request(`http://127.0.0.1:${port}/whole`);
      expect(Buffer.from(await res.body.arrayBuffer()).equals(body)).toBe(true);
    }
    await proxy.close();
    server.close();
  });
});

/** A ws server on 127.0.0.1 that answers each message with `reply(text)`. */
async function startWsUpstream(
  reply: (text: string) => string,
  perMessageDeflate = false,
): Promise<{ port: number; close: () => void }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => socket.send(reply(data.toString())));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      wss.close();
      server.close();
    },
  };
}

describe('WebSocket frame-level filter', () => {
  for (const deflate of [false, true]) {
    it(`rewrites and drops messages both ways between a ws client and a ws server (permessage-deflate ${deflate ? 'on' : 'off'})`, async () => {
      const upstream = await startWsUpstream((d) => `server got: ${d}`, deflate);
      const upstreamPort = upstream.port;
      const directions: string[] = [];
      const proxy = new HttpProxy({
        upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
        webSocketMessageFilter: (_s, message, direction) => {
          directions.push(direction);
          const text = message.text();
          if (text === 'drop me') return null;
          if (direction === 'downstream-to-upstream') {
            return new WebSocketMessage(Buffer.from(text.toUpperCase()), false);
          }
          return undefined;
        },
      });
      const { port } = await proxy.listen(0, '127.0.0.1');
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: deflate });
      await once(ws, 'open');
      const received: string[] = [];
      ws.on('message', (d) => received.push(d.toString()));
      ws.send('drop me');
      ws.send('hello');
      while (received.length < 1) await new Promise((r) => setTimeout(r, 5));
      expect(received).toEqual(['server got: HELLO']);
      expect(directions).toEqual([
        'downstream-to-upstream',
        'downstream-to-upstream',
        'upstream-to-downstream',
      ]);
      ws.close(1000);
      await once(ws, 'close');
      await proxy.close();
      upstream.close();
    });
  }
});

describe('WebSocket frame-level filter of a class-based ProxyHttp', () => {
  it('is called as a method of the object (`this` works)', async () => {
    const upstream = await startWsUpstream((d) => `server got: ${d}`);
    const upstreamPort = upstream.port;
    class Tagging implements ProxyHttp {
      readonly #tag = 'tagged';
      upstreamPeer() {
        return { host: '127.0.0.1', port: upstreamPort };
      }
      webSocketMessageFilter(_s: unknown, message: WebSocketMessage, direction: string) {
        if (direction !== 'downstream-to-upstream') return undefined;
        return new WebSocketMessage(Buffer.from(`${this.#tag} ${message.text()}`), false);
      }
    }
    const proxy = new HttpProxy(new Tagging());
    const { port } = await proxy.listen(0, '127.0.0.1');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    const replied = once(ws, 'message');
    ws.send('hello');
    const [reply] = (await replied) as [Buffer];
    expect(reply.toString()).toBe('server got: tagged hello');
    ws.close(1000);
    await once(ws, 'close');
    await proxy.close();
    upstream.close();
  });
});

describe('WebSocket frame-level filter that throws', () => {
  it('closes the client with 1011 and logging gets the error', async () => {
    const upstream = await startWsUpstream((d) => `got ${d}`);
    const upstreamPort = upstream.port;
    const logged: string[] = [];
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
      webSocketMessageFilter: () => {
        throw new Error('filter bug');
      },
      logging: (_s, error) => void logged.push(String(error)),
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    const closed = once(ws, 'close');
    ws.send('hi');
    const [code] = (await closed) as [number];
    expect(code).toBe(1011);
    for (let i = 0; i < 100 && logged.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/webSocketMessageFilter failed/);
    await proxy.close();
    upstream.close();
  });
});
