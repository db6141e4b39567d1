import { once } from 'node:events';
import net from 'node:net';
import { HttpServer } from '@pingora-ts/http-server';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptWebSocket, computeAccept, connectWebSocket } from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';

expectNoLeakedHandles();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Our server; records what acceptWebSocket threw. */
async function serve(options: Parameters<typeof acceptWebSocket>[1] = {}) {
  const errors: unknown[] = [];
  const server = new HttpServer({
    handler: async (session) => {
      try {
        const ws = await acceptWebSocket(session, options);
        await ws.close(1000, `protocol=${ws.protocol}`);
      } catch (error) {
        errors.push(error);
      }
    },
  });
  const { port } = await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.close());
  return { port, errors };
}

/** Sends a raw request and returns the response head. */
async function rawRequest(port: number, request: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => {
    socket.destroy();
  });
  await once(socket, 'connect');
  socket.write(request);
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    text += d;
  });
  for (let i = 0; i < 400 && !text.includes('\r\n\r\n'); i++)
    await new Promise((r) => setTimeout(r, 5));
  return text.slice(0, text.indexOf('\r\n\r\n'));
}

const GOOD = {
  Host: '127.0.0.1',
  Upgrade: 'websocket',
  Connection: 'keep-alive, Upgrade',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version': '13',
};

function request(
  headers: Record<string, string | undefined>,
  method = 'GET',
  version = 'HTTP/1.1',
): string {
  const lines = Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`);
  return `${method} /chat ${version}\r\n${lines.join('\r\n')}\r\n\r\n`;
}

describe('computeAccept', () => {
  it('gives the RFC 6455 1.3 example value', () => {
    expect(computeAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('server handshake', () => {
  it('answers 101 with the accept value, Upgrade and Connection', async () => {
    const { port } = await serve();
    const head = await rawRequest(port, request(GOOD));
    expect(head).toMatch(/^HTTP\/1.1 101 Switching Protocols\r\n/);
    expect(head).toContain('Upgrade: websocket');
    expect(head).toContain('Connection: Upgrade');
    expect(head).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(head).not.toContain('Sec-WebSocket-Extensions');
  });

  const refusals: Array<[string, string, number]> = [
    ['a POST', request(GOOD, 'POST'), 405],
    ['HTTP/1.0', request(GOOD, 'GET', 'HTTP/1.0'), 400],
    ['no Upgrade header', request({ ...GOOD, Upgrade: undefined }), 400],
    ['Upgrade: h2c', request({ ...GOOD, Upgrade: 'h2c' }), 400],
    ['no Connection: upgrade', request({ ...GOOD, Connection: 'keep-alive' }), 400],
    ['no key', request({ ...GOOD, 'Sec-WebSocket-Key': undefined }), 400],
    ['a key of 15 bytes', request({ ...GOOD, 'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAA' }), 400],
    ['version 8', request({ ...GOOD, 'Sec-WebSocket-Version': '8' }), 426],
    ['an invalid protocol list', request({ ...GOOD, 'Sec-WebSocket-Protocol': 'a b' }), 400],
  ];
  for (const [name, raw, status] of refusals) {
    it(`refuses ${name} with ${status}`, async () => {
      const { port, errors } = await serve();
      const head = await rawRequest(port, raw);
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      if (status === 426) expect(head).toContain('Sec-WebSocket-Version: 13');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ kind: 'HTTPStatus', status, source: 'downstream' });
    });
  }

  it('picks the first of its own subprotocols that the client offered', async () => {
    const { port } = await serve({ protocols: ['v2.chat', 'v1.chat'] });
    const ws = await connectWebSocket(`ws://127.0.0.1:${port}/`, {
      protocols: ['v1.chat', 'v2.chat'],
    });
    expect(ws.protocol).toBe('v2.chat');
    await ws.closed;
    const none = await connectWebSocket(`ws://127.0.0.1:${port}/`, { protocols: ['other'] });
    expect(none.protocol).toBe('');
    await none.closed;
  });
});

describe('client handshake', () => {
  /** A fake server that answers the upgrade with `answer(key)`. */
  async function fake(answer: (key: string) => string) {
    const server = net.createServer((socket) => {
      socket.once('data', (d: Buffer) => {
        const key = /Sec-WebSocket-Key: (.*)\r\n/i.exec(d.toString('latin1'))?.[1] ?? '';
        socket.end(answer(key));
      });
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    return (server.address() as net.AddressInfo).port;
  }
  const ok = (key: string, extra = '') =>
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n${extra}\r\n`;

  const failures: Array<[string, (key: string) => string, RegExp]> = [
    ['a 403', () => 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n', /403/],
    ['a wrong accept value', () => ok('AAAAAAAAAAAAAAAAAAAAAA=='), /Accept/],
    [
      'a subprotocol that was not offered',
      (k) => ok(k, 'Sec-WebSocket-Protocol: evil\r\n'),
      /not offered/,
    ],
    [
      'an extension that was not offered',
      (k) => ok(k, 'Sec-WebSocket-Extensions: x-foo\r\n'),
      /not offered/,
    ],
    ['no Upgrade header', (k) => ok(k).replace('Upgrade: websocket\r\n', ''), /Upgrade/],
  ];
  for (const [name, answer, message] of failures) {
    it(`fails on ${name}`, async () => {
      const port = await fake(answer);
      const error = await connectWebSocket(`ws://127.0.0.1:${port}/`).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'HandshakeError', source: 'upstream' });
      expect(String(error)).toMatch(message);
    });
  }

  it('fails on permessage-deflate parameters it did not ask for', async () => {
    const port = await fake((k) =>
      ok(k, 'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=20\r\n'),
    );
    const error = await connectWebSocket(`ws://127.0.0.1:${port}/`, {
      perMessageDeflate: true,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'HandshakeError' });
  });

  it('rejects URLs that are not ws: or wss:', async () => {
    await expect(connectWebSocket('http://127.0.0.1:1/')).rejects.toThrow(TypeError);
  });
});
