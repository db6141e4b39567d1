import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCertificate, createCertificateAuthority } from '@pingora-ts/tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpProxy } from '../src/index.js';
import { type Origin, startOrigin } from './origin.js';

const run = promisify(execFile);
let origin: Origin;
let dir: string;
const ca = createCertificateAuthority({ commonName: 'h2 test CA' });
const leaf = createCertificate(ca, { dnsNames: ['localhost'] });
beforeAll(async () => {
  origin = await startOrigin((req, res, body) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(`h1 origin ${req.method} ${req.url} host=${req.headers.host} body=${body}`);
  });
  dir = mkdtempSync(join(tmpdir(), 'proxy-h2-'));
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
});
afterAll(async () => {
  await origin.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A promise and the function that resolves it. */
function latch(): [Promise<void>, () => void] {
  let open: () => void = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return [opened, open];
}

/** curl with the given flags; resolves with `protocol status body`. */
async function curl(args: string[]): Promise<string> {
  const { stdout } = await run('curl', [
    '-sS',
    '--max-time',
    '10',
    '-w',
    '\n%{http_version} %{http_code}',
    ...args,
  ]);
  const lines = stdout.trimEnd().split('\n');
  const meta = lines.pop() ?? '';
  return `${meta} ${lines.join('\n')}`;
}

describe('HTTP/2 clients through the proxy to an HTTP/1.1 origin', () => {
  it('h2 by ALPN on a TLS listener (curl --http2), GET and POST, same phases', async () => {
    const paths: string[] = [];
    const proxy = new HttpProxy(
      {
        upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }),
        logging: (s) =>
          void paths.push(
            `${s.protocol} ${s.request.method} ${s.request.path} ${s.response?.status}`,
          ),
      },
      { tls: { ...leaf } },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    const base = [
      '--http2',
      '--cacert',
      join(dir, 'ca.pem'),
      '--resolve',
      `localhost:${port}:127.0.0.1`,
    ];
    try {
      expect(await curl([...base, `https://localhost:${port}/a`])).toBe(
        `2 200 h1 origin GET /a host=localhost:${port} body=`,
      );
      expect(await curl([...base, '-d', 'hello', `https://localhost:${port}/b`])).toBe(
        `2 200 h1 origin POST /b host=localhost:${port} body=hello`,
      );
      // An HTTP/1.1 client on the same listener still gets HTTP/1.1.
      expect(await curl(['--http1.1', ...base.slice(1), `https://localhost:${port}/c`])).toBe(
        `1.1 200 h1 origin GET /c host=localhost:${port} body=`,
      );
      expect(paths).toEqual(['h2 GET /a 200', 'h2 POST /b 200', 'http/1.1 GET /c 200']);
    } finally {
      await proxy.close();
    }
  });

  it('h2c with prior knowledge when enabled, HTTP/1.1 still served on the same port', async () => {
    const proxy = new HttpProxy(
      { upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }) },
      { http2: { h2c: true } },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      expect(await curl(['--http2-prior-knowledge', `http://127.0.0.1:${port}/p`])).toBe(
        `2 200 h1 origin GET /p host=127.0.0.1:${port} body=`,
      );
      expect(await curl([`http://127.0.0.1:${port}/q`])).toBe(
        `1.1 200 h1 origin GET /q host=127.0.0.1:${port} body=`,
      );
    } finally {
      await proxy.close();
    }
  });

  it('whole upstream bodies reach an HTTP/2 client intact: with a length, chunked, HEAD, 204', async () => {
    const shapes = await startOrigin((req, res) => {
      if (req.url === '/chunked') {
        res.write('first ');
        res.end('second');
      } else if (req.url === '/empty') {
        res.writeHead(204).end();
      } else {
        res.setHeader('Content-Length', '11');
        res.setHeader('Connection', 'keep-alive');
        res.end(req.method === 'HEAD' ? undefined : 'with length');
      }
    });
    const logged: string[] = [];
    const proxy = new HttpProxy(
      {
        upstreamPeer: () => ({ host: '127.0.0.1', port: shapes.port }),
        logging: (s) => void logged.push(`${s.request.path} ${s.response?.status} ${s.bytesSent}`),
      },
      { http2: { h2c: true } },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    const client = http2.connect(`http://127.0.0.1:${port}`);
    /** One request: status, content-length and the body as text. */
    const get = (path: string, method = 'GET') =>
      new Promise<string>((resolve, reject) => {
        const stream = client.request({ ':path': path, ':method': method });
        const parts: Buffer[] = [];
        let head = '';
        stream.on('response', (h) => {
          head = `${h[':status']} ${h['content-length'] ?? '-'} ${h.connection ?? '-'}`;
        });
        stream.on('data', (d: Buffer) => parts.push(d));
        stream.on('end', () => resolve(`${head} ${Buffer.concat(parts).toString()}`));
        stream.on('error', reject);
        stream.end();
      });
    try {
      expect(await get('/length')).toBe('200 11 - with length');
      expect(await get('/chunked')).toBe('200 - - first second');
      expect(await get('/length', 'HEAD')).toBe('200 11 - ');
      expect(await get('/empty')).toBe('204 - - ');
      // Several at once on the one connection, each its own.
      const many = await Promise.all(['/length', '/chunked', '/length'].map((p) => get(p)));
      expect(many).toEqual([
        '200 11 - with length',
        '200 - - first second',
        '200 11 - with length',
      ]);
      await vi.waitFor(() => expect(logged).toHaveLength(7));
      expect(logged.slice(0, 4)).toEqual([
        '/length 200 11',
        '/chunked 200 12',
        '/length 200 0',
        '/empty 204 0',
      ]);
    } finally {
      client.close();
      await proxy.close();
      await shapes.close();
    }
  });

  it('h2load: 1,000 requests over 10 streams each, all 200', async () => {
    const proxy = new HttpProxy(
      { upstreamPeer: () => ({ host: '127.0.0.1', port: origin.port }) },
      { http2: { h2c: true } },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const { stdout } = await run('h2load', [
        '-n',
        '1000',
        '-c',
        '4',
        '-m',
        '10',
        `http://127.0.0.1:${port}/load`,
      ]);
      expect(stdout).toMatch(
        /requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed, 0 errored/,
      );
      expect(stdout).toMatch(/status codes: 1000 2xx/);
    } finally {
      await proxy.close();
    }
  });
});

describe('HTTP/2 streams are cut alone', () => {
  it('a client resetting its stream frees the upstream connection at once, without waiting for the upstream', async () => {
    const net = await import('node:net');
    const http2 = await import('node:http2');
    // An upstream that never answers: only the proxy closing the connection ends it.
    const [arrived, requested] = latch();
    const [closed, upstreamClosed] = latch();
    const upstream = net.createServer((socket) => {
      socket.once('data', () => requested());
      socket.on('close', () => upstreamClosed());
    });
    upstream.listen(0, '127.0.0.1');
    await new Promise((r) => upstream.once('listening', r));
    const upstreamPort = (upstream.address() as import('node:net').AddressInfo).port;
    const phases: string[] = [];
    const proxy = new HttpProxy(
      {
        upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }),
        logging: (_s, error) => void phases.push(`logging ${error?.kind ?? 'ok'}`),
      },
      { http2: { h2c: true } },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', () => {});
    try {
      const stream = client.request({ ':path': '/hang' });
      stream.on('error', () => {});
      await arrived;
      stream.close(http2.constants.NGHTTP2_CANCEL);
      // The upstream read timeout is 60 s, past the test's timeout: only the reset closes it.
      await closed;
      await new Promise<void>((r) => setTimeout(r, 50));
      expect(phases).toEqual(['logging ConnectionClosed']);
      expect(client.destroyed).toBe(false); // the other streams' connection stays
    } finally {
      client.close();
      await proxy.close();
      upstream.close();
    }
  });

  it('an upstream failing mid-body resets that stream; the other stream on the connection completes', async () => {
    const net = await import('node:net');
    const http2 = await import('node:http2');
    const upstream = net.createServer((socket) => {
      socket.once('data', (d: Buffer) => {
        const path = d.toString('latin1').split(' ')[1];
        if (path === '/cut') {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial');
          setTimeout(() => socket.destroy(), 20);
        } else {
          setTimeout(
            () =>
              socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nwhole'),
            80,
          );
        }
      });
    });
    upstream.listen(0, '127.0.0.1');
    await new Promise((r) => upstream.once('listening', r));
    const upstreamPort = (upstream.address() as import('node:net').AddressInfo).port;
    const proxy = new HttpProxy(
      { upstreamPeer: () => ({ host: '127.0.0.1', port: upstreamPort }) },
      { http2: { h2c: true } },
    );
    const { port } = await proxy.listen(0, '127.0.0.1');
    const client = http2.connect(`http://127.0.0.1:${port}`);
    const fetchStream = (path: string) =>
      new Promise<{ status: string; body: string; reset?: number }>((resolve) => {
        const stream = client.request({ ':path': path });
        let status = '';
        let body = '';
        stream.on('response', (h) => {
          status = String(h[':status']);
        });
        stream.on('data', (d: Buffer) => {
          body += d.toString();
        });
        stream.on('close', () => resolve({ status, body, reset: stream.rstCode }));
        stream.on('error', () => {});
        stream.end();
      });
    try {
      const [cut, ok] = await Promise.all([fetchStream('/cut'), fetchStream('/ok')]);
      expect(cut.status).toBe('200');
      expect(cut.body).toBe('partial');
      expect(cut.reset).not.toBe(0); // RST_STREAM: the client knows the body is incomplete
      expect(ok).toMatchObject({ status: '200', body: 'whole' });
      expect(client.destroyed).toBe(false);
    } finally {
      client.close();
      await proxy.close();
      upstream.close();
    }
  });
});
