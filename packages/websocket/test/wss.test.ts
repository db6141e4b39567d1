import { HttpServer } from '@pingora-ts/http-server';
import { createCertificate, createCertificateAuthority } from '@pingora-ts/tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptWebSocket, connectWebSocket } from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';
import { echo } from './peers.js';

expectNoLeakedHandles();

const ca = createCertificateAuthority();
const leaf = createCertificate(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'] });
const server = new HttpServer({
  tls: { cert: leaf.cert, key: leaf.key },
  handler: async (session) => echo(await acceptWebSocket(session, { perMessageDeflate: true })),
});
let port = 0;
beforeAll(async () => {
  port = (await server.listen(0, '127.0.0.1')).port;
});
afterAll(() => server.close());

describe('wss: over @pingora-ts/tls', () => {
  it('connects with the CA, exchanges compressed messages and closes', async () => {
    const ws = await connectWebSocket(`wss://127.0.0.1:${port}/secure`, {
      tls: { ca: ca.cert },
      perMessageDeflate: true,
    });
    expect(ws.extensions).toMatch(/^permessage-deflate/);
    const text = 'secret '.repeat(1000);
    await ws.send(text);
    for await (const m of ws) {
      expect(m.text()).toBe(text);
      break;
    }
    expect(await ws.close(1000, 'bye')).toMatchObject({
      code: 1000,
      reason: 'bye',
      wasClean: true,
    });
  });

  it('fails when the server certificate is not trusted', async () => {
    const error = await connectWebSocket(`wss://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PingoraError', source: 'upstream' });
    expect(['InvalidCert', 'TLSHandshakeFailure', 'HandshakeError']).toContain(
      (error as { kind: string }).kind,
    );
  });
});
