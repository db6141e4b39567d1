import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy } from '../src/index.js';
import { type Origin, startOrigin } from './origin.js';

let origin: Origin;
beforeAll(async () => {
  // Names the request id in the body; ids ending in 7 answer late.
  origin = await startOrigin((req, res) => {
    const id = req.url?.slice(4) ?? '';
    const answer = () => res.end(`response for ${id}`);
    if (id.endsWith('7')) setTimeout(answer, 30);
    else answer();
  });
});
afterAll(() => origin.close());

/** Sends `count` pipelined GETs on one connection; resolves with the bodies in arrival order. */
async function pipelined(port: number, client: number, count: number): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  for (let i = 0; i < count; i++) {
    text += `GET /id/${client}-${i}${i % 3 === 0 ? '7' : ''} HTTP/1.1\r\nHost: a\r\n\r\n`;
  }
  socket.write(text);
  let received = '';
  const bodies: string[] = [];
  socket.setEncoding('latin1');
  for await (const chunk of socket) {
    received += chunk as string;
    for (;;) {
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) break;
      const length = Number(/content-length: (\d+)/i.exec(received.slice(0, headEnd))?.[1]);
      if (received.length < headEnd + 4 + length) break;
      bodies.push(received.slice(headEnd + 4, headEnd + 4 + length));
      received = received.slice(headEnd + 4 + length);
    }
    if (bodies.length === count) break;
  }
  socket.destroy();
  return bodies;
}

describe('no response goes to the wrong client', () => {
  it('100 concurrent keep-alive clients pipelining 5 requests each, some upstream answers slow', async () => {
    const proxy = new HttpProxy({ upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }) });
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const clients = Array.from({ length: 100 }, (_, c) => pipelined(port, c, 5));
      const results = await Promise.all(clients);
      results.forEach((bodies, c) => {
        expect(bodies).toEqual(
          Array.from({ length: 5 }, (_, i) => `response for ${c}-${i}${i % 3 === 0 ? '7' : ''}`),
        );
      });
      // Keep-alive upstream: far fewer connections than the 500 requests.
      expect(origin.connections).toBeLessThan(500);
    } finally {
      await proxy.close();
    }
  });
});

describe('client aborts', () => {
  it('mid request body: the upstream connection is closed, not pooled, and the next request is clean', async () => {
    const seen: { socket: net.Socket; data: string }[] = [];
    const server = net.createServer((socket) => {
      const entry = { socket, data: '' };
      seen.push(entry);
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        entry.data += d;
        if (entry.data.startsWith('GET') && entry.data.includes('\r\n\r\n')) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
          entry.data = '';
        }
      });
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const upstreamPort = (server.address() as AddressInfo).port;
    const proxy = new HttpProxy(
      { upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }) },
      { retryBufferBytes: 0 },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => {});
      client.write(
        `POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`,
      );
      while (seen.length === 0 || !seen[0]?.data.includes('x'))
        await new Promise((r) => setTimeout(r, 5));
      client.destroy();
      const first = seen[0]?.socket as net.Socket;
      if (!first.destroyed) await once(first, 'close');
      // The next request opens a new connection and gets its own clean answer.
      const res = await fetch(`http://127.0.0.1:${port}/next`);
      expect(`${res.status} ${await res.text()}`).toBe('200 ok');
      expect(seen).toHaveLength(2);
      expect(seen[1]?.data).toBe('');
      expect(proxy.connector.stats().hits).toBe(0);
    } finally {
      await proxy.close();
      server.close();
    }
  });

  it('mid response body: the upstream connection is closed, not returned to the pool', async () => {
    let upstreamSocket: net.Socket | undefined;
    const server = net.createServer((socket) => {
      upstreamSocket = socket;
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n${'y'.repeat(65536)}`);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const upstreamPort = (server.address() as AddressInfo).port;
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => {});
      client.write('GET /big HTTP/1.1\r\nHost: a\r\n\r\n');
      await once(client, 'data');
      client.destroy();
      while (upstreamSocket === undefined) await new Promise((r) => setTimeout(r, 5));
      if (!upstreamSocket.destroyed) await once(upstreamSocket, 'close');
      expect(upstreamSocket.destroyed).toBe(true);
    } finally {
      await proxy.close();
      server.close();
    }
  });
});
