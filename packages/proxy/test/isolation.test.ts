import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpSession } from '@pingora-ts/http-server';
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

describe('bodies relayed from the upstream read buffer', () => {
  // The proxy's upstream connections read into memory of their own, and a response body goes
  // to an HTTP/1.1 client uncopied: a chunk must stay intact until the client's socket took
  // it, however slowly the client reads. Bodies are random bytes, checked by hash.
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const sent = new Map<string, Buffer>();
  let bodies: Origin;
  beforeAll(async () => {
    bodies = await startOrigin(async (req, res) => {
      const [, size, framing] = (req.url ?? '').split('/');
      const body = randomBytes(Number(size));
      sent.set(req.headers['x-id'] as string, body);
      if (framing !== 'chunked') res.setHeader('Content-Length', body.length);
      if (framing === 'whole') return void res.end(body); // one write: one read at the proxy
      for (let at = 0; at < body.length; ) {
        const n = Math.min(1 + Math.floor(Math.random() * 100_000), body.length - at);
        const isTaken = res.write(body.subarray(at, at + n));
        at += n;
        if (!isTaken) await once(res, 'drain');
        else if (Math.random() < 0.2) await sleep(1);
      }
      res.end();
    });
  });
  afterAll(() => bodies.close());

  /** The proxy's waits for a client socket to take the rest of a relayed chunk, counted. */
  let waits = 0;
  const flushed = HttpSession.prototype.flushed;
  beforeAll(() => {
    HttpSession.prototype.flushed = function (this: HttpSession) {
      waits++; // the proxy asks only when the socket still holds bytes of the last chunk
      return flushed.call(this);
    };
  });
  afterAll(() => {
    HttpSession.prototype.flushed = flushed;
  });

  async function get(port: number, agent: http.Agent, path: string, id: string) {
    return new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ port, path, agent, headers: { 'x-id': id } }, resolve).on('error', reject),
    );
  }

  /** One keep-alive client: four requests in turn, bodies of 100 B to 1.5 MB. */
  async function client(port: number, name: string): Promise<string[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const wrong: string[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const size = [100, 70_000, 300_000, 1_500_000][(i + name.length) % 4] as number;
        const id = `${name}-${i}`;
        const res = await get(port, agent, `/${size}/${i % 2 ? 'chunked' : 'length'}`, id);
        const parts: Buffer[] = [];
        for await (const part of res) parts.push(part as Buffer);
        if (sha(Buffer.concat(parts)) !== sha(sent.get(id) as Buffer)) wrong.push(id);
      }
    } finally {
      agent.destroy();
    }
    return wrong;
  }

  function proxyWith(bytes: number | undefined): HttpProxy {
    return new HttpProxy(
      { upstreamPeer: () => ({ host: '127.0.0.1', port: bodies.port }) },
      bytes === undefined ? {} : { upstreamReadBufferBytes: bytes },
    );
  }

  it.each([
    ['4 KiB reads', 4096],
    ['the default', undefined],
  ])('24 concurrent keep-alive clients get every byte (%s)', async (_, bytes) => {
    const proxy = proxyWith(bytes);
    const { port } = await proxy.listen(0, '127.0.0.1');
    const connections = bodies.connections;
    try {
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, c) => client(port, `${bytes}-${c}`)),
      );
      expect(results.flat()).toEqual([]);
      // Upstream connections went back to the pool (24 clients, 96 requests).
      expect(bodies.connections - connections).toBeLessThanOrEqual(48);
    } finally {
      await proxy.close();
    }
  });

  it('pipelined whole responses to a client that stops reading: the proxy waits, every body intact', async () => {
    // Each 70 KB response comes whole in one read and goes out uncopied with its head; the
    // client reads nothing until the proxy waits for its socket, then checks every body.
    // (Its own later requests wait for that socket to drain: the server's rule.)
    const proxy = proxyWith(undefined);
    const { port } = await proxy.listen(0, '127.0.0.1');
    const socket = net.connect(port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      socket.pause();
      const ids = Array.from({ length: 150 }, (_, i) => `whole-${i}`);
      socket.write(
        ids.map((id) => `GET /70000/whole HTTP/1.1\r\nHost: a\r\nx-id: ${id}\r\n\r\n`).join(''),
      );
      const before = waits;
      for (let t = 0; t < 500 && waits === before; t++) await sleep(10);
      expect(waits).toBeGreaterThan(before);
      // Meanwhile other clients go through the same upstream pool: a connection handed back
      // while the stalled client's socket still held its bytes would read over them.
      const others = await Promise.all(
        Array.from({ length: 4 }, async (_, c) => {
          const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
          const wrong: string[] = [];
          for (let i = 0; i < 50; i++) {
            const id = `other-${c}-${i}`;
            const res = await get(port, agent, '/70000/whole', id);
            const parts: Buffer[] = [];
            for await (const part of res) parts.push(part as Buffer);
            if (sha(Buffer.concat(parts)) !== sha(sent.get(id) as Buffer)) wrong.push(id);
          }
          agent.destroy();
          return wrong;
        }),
      );
      expect(others.flat()).toEqual([]);
      let pending = Buffer.alloc(0);
      const got: string[] = [];
      for await (const chunk of socket) {
        pending = Buffer.concat([pending, chunk as Buffer]);
        for (;;) {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) break;
          const length = Number(
            /content-length: (\d+)/i.exec(pending.subarray(0, end).toString())?.[1],
          );
          if (pending.length < end + 4 + length) break;
          got.push(sha(pending.subarray(end + 4, end + 4 + length)));
          pending = pending.subarray(end + 4 + length);
        }
        if (got.length === ids.length) break;
      }
      expect(got).toEqual(ids.map((id) => sha(sent.get(id) as Buffer)));
    } finally {
      socket.destroy();
      await proxy.close();
    }
  });

  it.each([
    ['4 KiB reads', 4096, 'chunked'],
    ['40 KB reads', 40_000, 'length'],
    ['the default', undefined, 'length'],
  ])(
    'a client that stops reading makes the proxy wait, and still gets every byte (%s)',
    async (_, bytes, framing) => {
      const proxy = proxyWith(bytes);
      const { port } = await proxy.listen(0, '127.0.0.1');
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const before = waits;
        const id = `slow-${bytes}`;
        const res = await get(port, agent, `/16000000/${framing}`, id);
        if (bytes !== undefined) {
          // Read nothing until the kernel's buffers are full and the proxy holds a chunk the
          // client's socket did not take whole (bounded: the assertion then fails).
          for (let t = 0; t < 500 && waits === before; t++) await sleep(10);
          expect(waits).toBeGreaterThan(before);
        } else {
          // 64 KiB chunks fill the socket to its high-water mark: the proxy's write itself
          // waits for the drain, after which the socket holds nothing more either.
          await sleep(300);
        }
        const parts: Buffer[] = [];
        let since = 0;
        for await (const part of res) {
          parts.push(part as Buffer);
          since += (part as Buffer).length;
          if (since > 2_000_000) {
            since = 0;
            await sleep(20); // and now and then again
          }
        }
        expect(sha(Buffer.concat(parts))).toBe(sha(sent.get(id) as Buffer));
      } finally {
        agent.destroy();
        await proxy.close();
      }
    },
  );
});
