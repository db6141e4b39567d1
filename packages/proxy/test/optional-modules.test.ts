import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('loads HTTP/2, WebSocket, node:tls and node:zlib only when needed (a fresh process, real sockets)', async () => {
  const probe = fileURLToPath(new URL('./fixtures/lazy-load-probe.mjs', import.meta.url));
  const { stdout } = await run(process.execPath, [probe], { timeout: 20_000 });
  const seen = JSON.parse(stdout);
  expect(seen.h1Body).toBe('ok /h1');
  // Default options (HTTP/2 on for TLS, no h2c), a plain listener, an HTTP/1.1 exchange:
  // neither optional transport, nor node:http2, node:tls or node:zlib is in the process.
  expect(seen.afterH1).toEqual({
    http2: false,
    websocket: false,
    nodeHttp2: false,
    nodeTls: false,
    nodeZlib: false,
  });
  // A proxy with h2c loads HTTP/2 for its first connection and serves it.
  expect(seen.h2Body).toBe('ok /h2c');
  expect(seen.afterH2).toMatchObject({ http2: true, websocket: false, nodeHttp2: true });
});
