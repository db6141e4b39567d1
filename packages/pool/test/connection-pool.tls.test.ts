import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPool, peerKey } from '../src/index.js';

// TLSSockets to a real node:tls server on 127.0.0.1, with a throwaway self-signed certificate
// made by the openssl CLI (a Debian package CI installs). TLS 1.3 servers send session tickets
// after the handshake: records OpenSSL consumes, which must not look like bytes or EOF to the pool.
let dir: string;
let cert: Buffer;
let key: Buffer;
let server: tls.Server;
const serverSides: tls.TLSSocket[] = [];
const clients: tls.TLSSocket[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pool-tls-'));
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
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'));
  key = readFileSync(join(dir, 'key.pem'));
  server = tls.createServer({ cert, key }, (socket) => {
    serverSides.push(socket);
    socket.on('error', () => {});
    socket.on('data', (bytes) => socket.write(bytes));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterAll(async () => {
  for (const s of [...clients, ...serverSides]) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function connect(): Promise<{ client: tls.TLSSocket; peer: tls.TLSSocket }> {
  const before = serverSides.length;
  const { port } = server.address() as { port: number };
  const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert });
  clients.push(client);
  await once(client, 'secureConnect');
  // Let the server's post-handshake session tickets arrive while the socket is still ours.
  client.write('hello');
  await once(client, 'data');
  while (serverSides.length === before) await new Promise((r) => setImmediate(r));
  return { client, peer: serverSides[before]! };
}

const key443 = peerKey({
  host: '127.0.0.1',
  port: 443,
  tls: { sni: 'localhost', verify: true, alpn: ['http/1.1'] },
});

function closed(socket: tls.TLSSocket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('ConnectionPool with node:tls sockets', () => {
  it('keeps an idle TLS socket, hands it back working, and evicts on close_notify/FIN', async () => {
    const pool = new ConnectionPool<tls.TLSSocket>({ idleTimeoutMs: 0 });
    const a = await connect();
    const b = await connect();
    a.client.removeAllListeners('data');
    b.client.removeAllListeners('data');
    expect(pool.put(key443, a.client)).toBe(true);
    expect(pool.put(key443, b.client)).toBe(true);
    // A round trip on another connection gives any late TLS records time to arrive.
    const c = await connect();
    expect(pool.idleCount(key443)).toBe(2);

    b.peer.end();
    await closed(b.client);
    expect(pool.stats().evictions['remote-close']).toBe(1);

    const taken = pool.take(key443)!;
    expect(taken.conn).toBe(a.client);
    a.client.setEncoding('utf8');
    a.client.write('again');
    const [echo] = (await once(a.client, 'data')) as [string];
    expect(echo).toBe('again');

    a.client.removeAllListeners('data');
    pool.put(key443, a.client, taken.meta);
    a.peer.write('unsolicited');
    await closed(a.client);
    expect(pool.stats().evictions['unexpected-data']).toBe(1);
    expect(pool.take(key443)).toBeUndefined();
    c.client.destroy();
    pool.close();
  });

  it('is not fooled by session tickets arriving just after the handshake', async () => {
    const pool = new ConnectionPool<tls.TLSSocket>({ idleTimeoutMs: 0 });
    const { port } = server.address() as { port: number };
    const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert });
    clients.push(client);
    const tickets = once(client, 'session');
    await once(client, 'secureConnect');
    expect(client.getProtocol()).toBe('TLSv1.3');
    pool.put(key443, client);
    await tickets;
    await connect(); // a full round trip elsewhere: any stray event has fired by now
    expect(pool.stats().evictions).toMatchObject({ 'remote-close': 0, 'unexpected-data': 0 });
    expect(pool.take(key443)?.conn).toBe(client);
    pool.close();
  });
});
