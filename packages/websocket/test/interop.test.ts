import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient } from 'ws';
import { connectWebSocket, encodeFrame, OPCODES, type WebSocket } from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';
import { echo, rawUpgrade, startOurServer, startWsServer } from './peers.js';

expectNoLeakedHandles();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Reads `n` messages from our socket. */
async function take(ws: WebSocket, n: number): Promise<Array<{ isBinary: boolean; data: Buffer }>> {
  const out: Array<{ isBinary: boolean; data: Buffer }> = [];
  if (n === 0) return out;
  for await (const m of ws) {
    out.push({ isBinary: m.isBinary, data: m.data });
    if (out.length === n) break;
  }
  return out;
}

/** Connects a `ws` client and collects its messages. */
async function wsClient(port: number, options: ConstructorParameters<typeof WsClient>[2] = {}) {
  const client = new WsClient(`ws://127.0.0.1:${port}/`, options);
  const messages: Array<{ isBinary: boolean; data: Buffer }> = [];
  client.on('message', (data, isBinary) => messages.push({ isBinary, data: data as Buffer }));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    client.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await once(client, 'open');
  cleanups.push(async () => {
    client.terminate();
    await closed;
  });
  const waitFor = async (n: number) => {
    for (let i = 0; i < 2000 && messages.length < n; i++)
      await new Promise((r) => setTimeout(r, 5));
    return messages.slice(0, n);
  };
  return { client, messages, closed, waitFor };
}

const BIG = Buffer.alloc(16 * 1024 * 1024);
for (let i = 0; i < BIG.length; i += 4) BIG.writeUInt32LE((i * 2654435761) >>> 0, i);
const TEXT = 'héllo wörld ✓ '.repeat(200);

for (const deflate of [false, true]) {
  const mode = deflate ? 'with permessage-deflate' : 'without compression';

  describe(`our client against a ws server, ${mode}`, () => {
    async function setup() {
      const server = await startWsServer(
        { perMessageDeflate: deflate, maxPayload: 64 << 20 },
        (s) => {
          s.on('message', (data, isBinary) => s.send(data as Buffer, { binary: isBinary }));
          s.on('ping', (data) => s.send(`ping ${data.toString()}`));
        },
      );
      cleanups.push(server.close);
      const ws = await connectWebSocket(`ws://127.0.0.1:${server.port}/path?q=1`, {
        perMessageDeflate: deflate,
      });
      cleanups.push(() => {
        ws.terminate();
      });
      return { server, ws };
    }

    it('negotiates the extension, echoes text, binary and 16 MiB, and closes cleanly', async () => {
      const { ws } = await setup();
      expect(ws.extensions.startsWith('permessage-deflate')).toBe(deflate);
      await ws.send(TEXT);
      await ws.send(Buffer.from([1, 2, 3]));
      await ws.send(BIG);
      await ws.send('');
      const got = await take(ws, 4);
      expect(got[0]).toEqual({ isBinary: false, data: Buffer.from(TEXT) });
      expect(got[1]).toEqual({ isBinary: true, data: Buffer.from([1, 2, 3]) });
      expect(got[2]!.data.equals(BIG)).toBe(true);
      expect(got[3]).toEqual({ isBinary: false, data: Buffer.alloc(0) });
      const info = await ws.close(4001, 'done here');
      expect(info).toMatchObject({ code: 4001, wasClean: true });
      expect(ws.readyState).toBe('closed');
    });

    it('gets a pong for its ping and reads fragmented messages', async () => {
      const { server, ws } = await setup();
      ws.ping(Buffer.from('abc'));
      const [reply] = await take(ws, 1);
      expect(reply!.data.toString()).toBe('ping abc');
      const [peer] = [...server.server.clients];
      // ws sends fragments with fin: false, then the last one.
      peer!.send('part one, ', { fin: false });
      peer!.send('part two', { fin: true });
      const [joined] = await take(ws, 1);
      expect(joined).toEqual({ isBinary: false, data: Buffer.from('part one, part two') });
      await ws.close();
    });

    it('sends fragmented messages that ws reassembles', async () => {
      const server = await startWsServer({ perMessageDeflate: deflate }, (s) => {
        s.on('message', (data, isBinary) => s.send(data as Buffer, { binary: isBinary }));
      });
      cleanups.push(server.close);
      const ws = await connectWebSocket(`ws://127.0.0.1:${server.port}/`, {
        perMessageDeflate: deflate,
        fragmentSize: 1000,
      });
      cleanups.push(() => {
        ws.terminate();
      });
      const binary = Buffer.alloc(100_000);
      for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) & 0xff;
      await ws.send(TEXT); // 3.6 KB: several fragments, compressed or not
      await ws.send(binary);
      const got = await take(ws, 2);
      expect(got[0]).toEqual({ isBinary: false, data: Buffer.from(TEXT) });
      expect(got[1]!.data.equals(binary)).toBe(true);
      await ws.close();
    });

    it('sends large and small messages in order, and the close after them', async () => {
      const received: string[] = [];
      let closeCode = 0;
      const server = await startWsServer(
        { perMessageDeflate: deflate, maxPayload: 64 << 20 },
        (s) => {
          s.on('message', (data) =>
            received.push(`${(data as Buffer).length}:${(data as Buffer)[0]}`),
          );
          s.on('close', (code) => {
            closeCode = code;
          });
        },
      );
      cleanups.push(server.close);
      const ws = await connectWebSocket(`ws://127.0.0.1:${server.port}/`, {
        perMessageDeflate: deflate,
      });
      const sizes = [200_000, 10, 50_000, 2000, 1_000_000, 5];
      const sends = sizes.map((n, i) => ws.send(Buffer.alloc(n, i)));
      const info = await ws.close(1000, 'after the queue');
      await Promise.all(sends);
      expect(info).toMatchObject({ code: 1000, wasClean: true });
      expect(received).toEqual(sizes.map((n, i) => `${n}:${i}`));
      expect(closeCode).toBe(1000);
      await expect(ws.send('too late')).rejects.toMatchObject({ kind: 'ConnectionClosed' });
    });

    it('reports a close the server starts, with its code and reason', async () => {
      const { server, ws } = await setup();
      [...server.server.clients][0]!.close(1001, 'going away');
      expect(await take(ws, 0)).toEqual([]);
      for await (const _ of ws) throw new Error('no message expected');
      expect(await ws.closed).toMatchObject({ code: 1001, reason: 'going away', wasClean: true });
    });

    it('reports 1006 when the server drops the connection', async () => {
      const { server, ws } = await setup();
      [...server.server.clients][0]!.terminate();
      const info = await ws.closed;
      expect(info.code).toBe(1006);
      expect(info.wasClean).toBe(false);
      expect(info.error?.kind).toBe('ConnectionClosed');
      await expect(ws.send('late')).rejects.toMatchObject({ kind: 'ConnectionClosed' });
    });
  });

  describe(`a ws client against our server, ${mode}`, () => {
    async function setup(
      onSocket: (ws: WebSocket) => Promise<void> = echo,
      maxMessageBytes?: number,
    ) {
      const server = await startOurServer(
        { perMessageDeflate: deflate, ...(maxMessageBytes ? { maxMessageBytes } : {}) },
        onSocket,
      );
      cleanups.push(server.close);
      const client = await wsClient(server.port, {
        perMessageDeflate: deflate,
        maxPayload: 64 << 20,
      });
      return { server, ...client };
    }

    it('echoes text, binary, 16 MiB and fragmented messages', async () => {
      const { client, waitFor } = await setup();
      expect(client.extensions.startsWith('permessage-deflate')).toBe(deflate);
      client.send(TEXT);
      client.send(Buffer.from([9, 8, 7]));
      client.send(BIG);
      client.send('frag-1 ', { fin: false });
      client.send('frag-2', { fin: true });
      const got = await waitFor(4);
      expect(got[0]).toEqual({ isBinary: false, data: Buffer.from(TEXT) });
      expect(got[1]).toEqual({ isBinary: true, data: Buffer.from([9, 8, 7]) });
      expect(got[2]!.data.equals(BIG)).toBe(true);
      expect(got[3]).toEqual({ isBinary: false, data: Buffer.from('frag-1 frag-2') });
    });

    it('sends fragmented messages to the ws client', async () => {
      const server = await startOurServer(
        { perMessageDeflate: deflate, fragmentSize: 700 },
        async (ws) => {
          await ws.send(TEXT);
          await ws.send(Buffer.alloc(5000, 3));
        },
      );
      cleanups.push(server.close);
      const { waitFor } = await wsClient(server.port, { perMessageDeflate: deflate });
      const got = await waitFor(2);
      expect(got[0]).toEqual({ isBinary: false, data: Buffer.from(TEXT) });
      expect(got[1]).toEqual({ isBinary: true, data: Buffer.alloc(5000, 3) });
    });

    it('answers pings with the same data', async () => {
      const { client } = await setup();
      const pong = once(client, 'pong');
      client.ping(Buffer.from('keepalive'));
      const [data] = await pong;
      expect((data as Buffer).toString()).toBe('keepalive');
    });

    it('runs the closing handshake the client starts, and the one the server starts', async () => {
      let serverSide: WebSocket | undefined;
      const { client, closed } = await setup(async (ws) => {
        serverSide = ws;
        await echo(ws);
      });
      client.close(4002, 'client bye');
      expect(await closed).toEqual({ code: 4002, reason: 'client bye' });
      expect(await serverSide!.closed).toMatchObject({
        code: 4002,
        reason: 'client bye',
        wasClean: true,
      });

      const second = await setup(async (ws) => {
        const info = await ws.close(1001, 'server going away');
        expect(info).toMatchObject({ code: 1001, wasClean: true });
      });
      expect(await second.closed).toEqual({ code: 1001, reason: 'server going away' });
    });

    it('closes with 1009 when a message is over the limit', async () => {
      const { client, closed } = await setup(echo, 1024);
      client.send(Buffer.alloc(2048, 1));
      expect((await closed).code).toBe(1009);
    });
  });
}

describe('the zlib-stream compressor (thread pool, context takeover) against ws', () => {
  for (const noTakeover of [false, true]) {
    it(`keeps order and content ${noTakeover ? 'without' : 'with'} context takeover`, async () => {
      const received: Buffer[] = [];
      const server = await startWsServer({ perMessageDeflate: true, maxPayload: 64 << 20 }, (s) => {
        s.on('message', (data, isBinary) => {
          received.push(data as Buffer);
          s.send(data as Buffer, { binary: isBinary });
        });
      });
      cleanups.push(server.close);
      const ws = await connectWebSocket(`ws://127.0.0.1:${server.port}/`, {
        perMessageDeflate: {
          compressor: 'zlib-stream',
          level: 6,
          clientNoContextTakeover: noTakeover,
        },
      });
      const messages = [
        TEXT,
        'small',
        TEXT.toUpperCase(),
        'x'.repeat(3000),
        BIG.subarray(0, 300_000),
      ];
      const sends = messages.map((m) => ws.send(m));
      const info = ws.close(1000, 'done');
      await Promise.all(sends);
      expect(await info).toMatchObject({ wasClean: true });
      expect(received.map((b) => b.length)).toEqual(messages.map((m) => Buffer.byteLength(m)));
      expect(received[2]!.toString()).toBe(TEXT.toUpperCase());
      expect(received[4]!.equals(BIG.subarray(0, 300_000))).toBe(true);
    });
  }

  it('fails queued sends, without hanging, when the connection drops during compression', async () => {
    const server = await startWsServer({ perMessageDeflate: true }, () => {});
    cleanups.push(server.close);
    const ws = await connectWebSocket(`ws://127.0.0.1:${server.port}/`, {
      perMessageDeflate: { compressor: 'zlib-stream', level: 9 },
    });
    const sends = [0, 1, 2, 3].map((i) => ws.send(BIG.subarray(0, 1_000_000 + i)));
    ws.terminate();
    const results = await Promise.allSettled(sends);
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    expect((await ws.closed).code).toBe(1006);
  });

  it('serves a ws client from our server with zlib-stream', async () => {
    const server = await startOurServer({ perMessageDeflate: { compressor: 'zlib-stream' } }, echo);
    cleanups.push(server.close);
    const { client, waitFor } = await wsClient(server.port, { perMessageDeflate: true });
    for (let i = 0; i < 5; i++) client.send(`${i}:${TEXT}`);
    const got = await waitFor(5);
    expect(got.map((m) => m.data.toString())).toEqual([0, 1, 2, 3, 4].map((i) => `${i}:${TEXT}`));
  });
});

describe('our server against raw bytes', () => {
  async function serve() {
    let resolve!: (ws: WebSocket) => void;
    const serverSide = new Promise<WebSocket>((r) => {
      resolve = r;
    });
    const server = await startOurServer({}, async (ws) => {
      resolve(ws);
      await echo(ws);
    });
    cleanups.push(server.close);
    return { port: server.port, serverSide };
  }

  const closeCodeOf = (bytes: Buffer): number | undefined => {
    // The server's frames are unmasked: 0x88, length, code.
    const at = bytes.indexOf(0x88);
    return at >= 0 && bytes.length >= at + 4 ? bytes.readUInt16BE(at + 2) : undefined;
  };

  const violations: Array<[string, Buffer, number]> = [
    ['an unmasked frame', encodeFrame(OPCODES.TEXT, Buffer.from('x'), true, false, false), 1002],
    ['invalid UTF-8', encodeFrame(OPCODES.TEXT, Buffer.from([0xff]), true, false, true), 1007],
    ['a reserved opcode', encodeFrame(5, Buffer.alloc(0), true, false, true), 1002],
    [
      'RSV1 without permessage-deflate',
      encodeFrame(OPCODES.BINARY, Buffer.from('x'), true, true, true),
      1002,
    ],
    [
      'an invalid close code',
      encodeFrame(OPCODES.CLOSE, Buffer.from([0x03, 0xee]), true, false, true),
      1002,
    ],
  ];
  for (const [name, frame, code] of violations) {
    it(`fails the connection with ${code} on ${name}`, async () => {
      const { port, serverSide } = await serve();
      const raw = await rawUpgrade(port);
      cleanups.push(() => {
        raw.socket.destroy();
      });
      expect(raw.response).toMatch(/^HTTP\/1.1 101 /);
      expect(raw.response).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      raw.socket.write(frame);
      await raw.ended;
      expect(closeCodeOf(raw.received())).toBe(code);
      const info = await (await serverSide).closed;
      expect(info).toMatchObject({ code, wasClean: false });
      expect(info.error?.source).toBe('downstream');
    });
  }

  it('makes send wait while the peer does not read (backpressure), and resume when it does', async () => {
    const { port, serverSide } = await serve();
    const raw = await rawUpgrade(port);
    cleanups.push(() => {
      raw.socket.destroy();
    });
    raw.socket.pause();
    const ws = await serverSide;
    const chunk = Buffer.alloc(1 << 20, 1);
    let pending: Promise<void> | undefined;
    // Bounded: the kernel buffers take a few MiB at most before write() reports a full buffer.
    for (let i = 0; i < 256 && pending === undefined; i++) {
      const p = ws.send(chunk);
      const state = await Promise.race([
        p.then(() => 'done'),
        new Promise((r) => setImmediate(() => r('waiting'))),
      ]);
      if (state === 'waiting') pending = p;
    }
    expect(pending).toBeDefined();
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    raw.socket.resume();
    await pending;
  });

  it('reads frame bytes that came with the handshake request', async () => {
    const { port } = await serve();
    const net = await import('node:net');
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => {
      socket.destroy();
    });
    await once(socket, 'connect');
    const frame = encodeFrame(OPCODES.TEXT, Buffer.from('early'), true, false, true);
    socket.write(
      Buffer.concat([
        Buffer.from(
          'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        ),
        frame,
      ]),
    );
    let got = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
    });
    for (let i = 0; i < 400 && !got.includes('early'); i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(got.toString('latin1')).toContain('early');
  });
});
