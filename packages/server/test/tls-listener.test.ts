import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { createCertificate, createCertificateAuthority } from '@pingora-ts/tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTlsServer } from '../src/tls-listener.js';
import { TICKET_KEYS_ENV } from '../src/worker-messages.js';

const ca = createCertificateAuthority();
const leaf = createCertificate(ca, { dnsNames: ['svc.test'] });
const dir = mkdtempSync(join(tmpdir(), 'tls-listener-'));
writeFileSync(join(dir, 'cert.pem'), leaf.cert);
writeFileSync(join(dir, 'key.pem'), leaf.key);
const config = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
const servers: tls.Server[] = [];
afterEach(async () => {
  delete process.env[TICKET_KEYS_ENV];
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(): Promise<number> {
  const server = createTlsServer(config, (s) => {
    s.on('error', () => {});
    s.end('x');
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** Connects, reads to the end, and returns whether the session was resumed and the new one. */
async function handshake(
  port: number,
  session?: Buffer,
): Promise<{ resumed: boolean; session: Buffer }> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    servername: 'svc.test',
    ca: ca.cert,
    ...(session ? { session } : {}),
  });
  let latest: Buffer | undefined;
  socket.on('session', (s: Buffer) => (latest = s));
  await once(socket, 'secureConnect');
  const resumed = socket.isSessionReused();
  socket.resume();
  await once(socket, 'end');
  socket.destroy();
  return { resumed, session: latest! };
}

describe('TLS listeners of one master', () => {
  it('share ticket keys, so a session from one worker resumes on another', async () => {
    process.env[TICKET_KEYS_ENV] = randomBytes(48).toString('hex');
    const [a, b] = [await start(), await start()];
    const first = await handshake(a);
    expect(first.resumed).toBe(false);
    expect((await handshake(b, first.session)).resumed).toBe(true);
  });

  it('do not resume across listeners with their own random keys', async () => {
    const [a, b] = [await start(), await start()];
    const first = await handshake(a);
    expect((await handshake(b, first.session)).resumed).toBe(false);
  });
});
