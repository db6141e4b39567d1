import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionContext, checkConfig, Server } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pingora-server-inproc-'));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
const servers: Server[] = [];

beforeAll(() => {
  // A throw-away self-signed certificate for 127.0.0.1 (openssl is a test peer, see .ci/run).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.shutdown({ graceMs: 0, hookTimeoutMs: 0 })));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An application that answers each line with `name:line` and says it is busy meanwhile. */
function lineApp(name: string, seen: ConnectionContext[] = []) {
  return {
    handleConnection(socket: Socket, conn: ConnectionContext) {
      seen.push(conn);
      socket.setEncoding('utf8');
      socket.on('data', (line: string) => {
        conn.setBusy(true);
        const delay = Number(line.trim()) || 0;
        setTimeout(() => {
          socket.write(`${name}:${line.trim()}${conn.isDraining ? ':draining' : ''}\n`);
          conn.setBusy(false);
        }, delay);
      });
    },
  };
}

function exchange(socket: Socket, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.setEncoding('utf8');
    socket.once('data', (answer: string) => resolve(answer.trim()));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed without an answer')));
    socket.write(`${line}\n`);
  });
}

function opened(socket: Socket): Promise<Socket> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

const closed = (socket: Socket): Promise<void> =>
  new Promise((resolve) => socket.once('close', () => resolve()));

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

describe('Server', () => {
  it('accepts on TCP, IPv6, Unix and TLS listeners and tells the app which one', async () => {
    const sock = join(dir, 'inproc.sock');
    const seen: ConnectionContext[] = [];
    const server = new Server().addService({
      name: 'lines',
      listeners: [
        { address: '127.0.0.1:0' },
        { address: '[::1]:0' },
        { path: sock },
        { address: '127.0.0.1:0', tls: { certFile: cert, keyFile: key, alpn: ['x-lines'] } },
      ],
      app: lineApp('lines', seen),
    });
    servers.push(server);
    await server.start();
    const [v4, v6, unix, secure] = server.listeners() as unknown as [
      { address: string },
      { address: string },
      { address: string },
      { address: string },
    ];
    expect(v6.address).toMatch(/^\[::1\]:\d+$/);
    expect(unix.address).toBe(`unix:${sock}`);

    const a = await opened(connect(portOf(v4.address), '127.0.0.1'));
    const b = await opened(connect(portOf(v6.address), '::1'));
    const c = await opened(connect({ path: sock }));
    const d = await opened(
      tlsConnect({
        port: portOf(secure.address),
        host: '127.0.0.1',
        ca: readFileSync(cert),
        ALPNProtocols: ['x-lines'],
      }),
    );
    expect(await exchange(a, 'one')).toBe('lines:one');
    expect(await exchange(b, 'two')).toBe('lines:two');
    expect(await exchange(c, 'three')).toBe('lines:three');
    expect(await exchange(d, 'four')).toBe('lines:four');
    expect(seen.map((s) => [s.listener.address, s.listener.isTls])).toEqual([
      [v4.address, false],
      [v6.address, false],
      [`unix:${sock}`, false],
      [secure.address, true],
    ]);
    expect(server.connections).toBe(4);
    for (const s of [a, b, c, d]) s.destroy();
    await server.shutdown({ graceMs: 1000 });
    expect(existsSync(sock)).toBe(false);
  });

  it('graceful shutdown: idle connections closed, busy ones finish, stragglers cut at the grace period', async () => {
    const server = new Server({ drainIdleMs: 0 }).addService({
      name: 'lines',
      listeners: [{ address: '127.0.0.1:0' }],
      app: lineApp('s'),
    });
    servers.push(server);
    await server.start();
    const port = portOf(server.listeners()[0]?.address ?? '');
    const idle = await opened(connect(port, '127.0.0.1'));
    const busy = await opened(connect(port, '127.0.0.1'));
    const straggler = await opened(connect(port, '127.0.0.1'));
    await exchange(idle, 'warm');
    const answer = exchange(busy, '300');
    const never = exchange(straggler, '60000').catch(() => 'cut');
    const idleClosed = closed(idle);
    await new Promise((r) => setTimeout(r, 50));
    const result = await server.shutdown({ graceMs: 800 });
    await idleClosed;
    expect(await answer).toBe('s:300:draining');
    expect(await never).toBe('cut');
    // The idle one, and the busy one once its answer was out; the straggler was cut.
    expect(result).toEqual({ closedIdle: 2, destroyed: 1 });
    // Stopped accepting.
    await expect(opened(connect(port, '127.0.0.1'))).rejects.toThrow(/ECONNREFUSED/);
    busy.destroy();
  });

  it('a handler that throws loses its connection only; the shutdown hook runs once', async () => {
    let hookCalls = 0;
    let thrown = 0;
    const server = new Server({ log: () => {} }).addService({
      name: 'thrower',
      listeners: [{ address: '127.0.0.1:0' }],
      app: {
        handleConnection(socket: Socket) {
          if (thrown++ === 0) throw new Error('first connection fails');
          socket.end('fine\n');
        },
        shutdown(isGraceful: boolean) {
          hookCalls++;
          expect(isGraceful).toBe(true);
        },
      },
    });
    servers.push(server);
    await server.start();
    const port = portOf(server.listeners()[0]?.address ?? '');
    const first = await opened(connect(port, '127.0.0.1'));
    await closed(first);
    const second = await opened(connect(port, '127.0.0.1'));
    second.setEncoding('utf8');
    const text = await new Promise<string>((resolve) => {
      let t = '';
      second.on('data', (c: string) => {
        t += c;
      });
      second.on('end', () => resolve(t));
    });
    expect(text).toBe('fine\n');
    await Promise.all([server.shutdown({ graceMs: 500 }), server.shutdown()]);
    expect(hookCalls).toBe(1);
  });

  it('feeds node:http, whose keep-alive connections are marked busy and idle', async () => {
    const http = createHttpServer((req, res) => {
      const conn = (req.socket as Socket & { ctx?: ConnectionContext }).ctx;
      conn?.setBusy(true);
      res.once('close', () => conn?.setBusy(false));
      setTimeout(() => res.end('hello'), 100);
    });
    const server = new Server().addService({
      name: 'http',
      listeners: [{ address: '127.0.0.1:0' }],
      app: {
        handleConnection(socket: Socket, conn: ConnectionContext) {
          (socket as Socket & { ctx?: ConnectionContext }).ctx = conn;
          http.emit('connection', socket);
        },
      },
    });
    servers.push(server);
    await server.start();
    const agent = new Agent();
    const url = `http://${server.listeners()[0]?.address}/`;
    const inFlight = Array.from({ length: 5 }, () =>
      request(url, { dispatcher: agent }).then((r) => r.body.text()),
    );
    await new Promise((r) => setTimeout(r, 30));
    const result = await server.shutdown({ graceMs: 5000 });
    expect(await Promise.all(inFlight)).toEqual(Array(5).fill('hello'));
    expect(result.destroyed).toBe(0);
    await agent.close();
  });
});

describe('docs/server.example.yaml', () => {
  it('is a valid configuration', () => {
    const file = join(import.meta.dirname, '..', 'docs', 'server.example.yaml');
    expect(checkConfig(readFileSync(file, 'utf8'), file).issues).toEqual([]);
  });
});
