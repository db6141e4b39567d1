import type { IncomingMessage } from 'node:http';
import { PingoraError } from '@pingora-ts/error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend, HttpHealthCheck, TcpHealthCheck } from '../src/index.js';
import { trackHandles } from './leak-check.js';
import {
  httpPeer,
  httpsPeer,
  makeTestCertificate,
  type Peer,
  rawPeer,
  type TestCertificate,
  tcpPeer,
} from './peers.js';

let checkHandles: () => Promise<void>;
beforeAll(() => {
  checkHandles = trackHandles();
});
afterAll(() => checkHandles());

async function failure(promise: Promise<void>): Promise<PingoraError> {
  try {
    await promise;
  } catch (error) {
    expect(PingoraError.is(error)).toBe(true);
    return error as PingoraError;
  }
  throw new Error('the check passed');
}

const at = (peer: Peer) => new Backend('127.0.0.1', peer.port);

describe('TcpHealthCheck', () => {
  it('passes while the server listens, fails with ConnectRefused when it stops, passes again', async () => {
    const server = await tcpPeer();
    const check = new TcpHealthCheck({ timeoutMs: 2_000 });
    try {
      await check.check(at(server));
      await server.stop();
      const e = await failure(check.check(at(server)));
      expect(e.kind).toBe('ConnectRefused');
      expect(e.source).toBe('upstream');
      await server.restart();
      await check.check(at(server));
    } finally {
      await server.stop();
    }
  });

  it('validates its options', () => {
    expect(() => new TcpHealthCheck({ healthyThreshold: 0 })).toThrow(RangeError);
    expect(() => new TcpHealthCheck({ unhealthyThreshold: 1.5 })).toThrow(RangeError);
    expect(() => new TcpHealthCheck({ timeoutMs: 0 })).toThrow(RangeError);
    const check = new TcpHealthCheck();
    expect([check.healthyThreshold, check.unhealthyThreshold, check.timeoutMs]).toEqual([
      2, 3, 1_000,
    ]);
  });
});

describe('HttpHealthCheck', () => {
  const seen: Array<{ method: string; url: string; host: string; ua: string; extra: string }> = [];
  let server: Peer;
  let status = 200;
  let body = 'all good';

  beforeAll(async () => {
    server = await httpPeer((req: IncomingMessage, res) => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        host: req.headers.host ?? '',
        ua: req.headers['user-agent'] ?? '',
        extra: String(req.headers['x-check'] ?? ''),
      });
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('alpha ');
        setTimeout(() => res.end('omega'), 10);
        return;
      }
      if (req.url === '/hang') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial'); // never finished
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  afterAll(() => server.stop());

  it('sends method, path, Host and headers, and passes on an expected status', async () => {
    seen.length = 0;
    status = 200;
    const check = new HttpHealthCheck({
      method: 'GET',
      path: '/healthz?full=1',
      host: 'api.internal',
      headers: { 'X-Check': 'yes' },
    });
    await check.check(at(server));
    expect(seen).toEqual([
      {
        method: 'GET',
        url: '/healthz?full=1',
        host: 'api.internal',
        ua: 'pingora-ts-health-check',
        extra: 'yes',
      },
    ]);
    // Host defaults to the backend's address.
    await new HttpHealthCheck({ method: 'HEAD' }).check(at(server));
    expect(seen[1]).toMatchObject({ method: 'HEAD', url: '/', host: `127.0.0.1:${server.port}` });
  });

  it('fails with the status when it is outside the expected range', async () => {
    status = 503;
    const e = await failure(new HttpHealthCheck().check(at(server)));
    expect(e.kind).toBe('HTTPStatus');
    expect(e.status).toBe(503);
    status = 204;
    await new HttpHealthCheck({ expectedStatus: [200, 204] }).check(at(server));
    await failure(new HttpHealthCheck({ expectedStatus: [200, 200] }).check(at(server)));
    status = 200;
  });

  it('matches the body by text or pattern, Content-Length and chunked', async () => {
    body = 'status: ok (db up)';
    await new HttpHealthCheck({ bodyMatch: 'ok' }).check(at(server));
    await new HttpHealthCheck({ bodyMatch: /db up/g }).check(at(server));
    await new HttpHealthCheck({ bodyMatch: /db up/g }).check(at(server)); // lastIndex reset
    const e = await failure(new HttpHealthCheck({ bodyMatch: 'degraded' }).check(at(server)));
    expect(e.kind).toBe('HTTPStatus');
    expect(e.message).toContain('body does not match');
    await new HttpHealthCheck({ path: '/chunked', bodyMatch: 'alpha omega' }).check(at(server));
    await failure(new HttpHealthCheck({ path: '/chunked', bodyMatch: 'beta' }).check(at(server)));
  });

  it('times out a response that never completes (only when the body is needed)', async () => {
    await new HttpHealthCheck({ path: '/hang', timeoutMs: 200 }).check(at(server));
    const e = await failure(
      new HttpHealthCheck({ path: '/hang', timeoutMs: 200, bodyMatch: 'x' }).check(at(server)),
    );
    expect(e.kind).toBe('ReadTimedout');
  });

  it('fails on malformed, early-closed and oversized answers', async () => {
    // The parser's verdicts (RFC 9112): a cut-short message is an H1Error (section 8).
    const replies: Array<[string, string]> = [
      ['HTTP/1.1 2xx Nope\r\n\r\n', 'H1Error'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', 'H1Error'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'H1Error'],
      ['HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n', 'InvalidHTTPHeader'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx', 'InvalidHTTPHeader'],
      ['HTTP/1.1 200 OK\r\n', 'H1Error'],
      ['', 'ConnectionClosed'],
    ];
    let next = 0;
    const raw = await rawPeer((socket) => {
      const reply = replies[next++]![0];
      socket.once('data', () => socket.end(reply));
    });
    try {
      const kinds: string[] = [];
      for (let i = 0; i < replies.length; i++) {
        const check = new HttpHealthCheck({ bodyMatch: 'x', timeoutMs: 2_000 });
        kinds.push((await failure(check.check(at(raw)))).kind);
      }
      expect(kinds).toEqual(replies.map(([, kind]) => kind));
    } finally {
      await raw.stop();
    }
    const big = await httpPeer((_req, res) => res.end('x'.repeat(100_000)));
    try {
      const check = new HttpHealthCheck({ bodyMatch: 'y', maxResponseBytes: 1_000 });
      expect((await failure(check.check(at(big)))).kind).toBe('BodyTooLarge');
      // Without a body match the body is never read, so its size does not matter.
      await new HttpHealthCheck({ maxResponseBytes: 1_000 }).check(at(big));
    } finally {
      await big.stop();
    }
  });

  it('reads past 1xx interim responses and answers on close-delimited bodies', async () => {
    const raw = await rawPeer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        socket.end('HTTP/1.0 200 OK\r\n\r\nready');
      });
    });
    try {
      await new HttpHealthCheck({ bodyMatch: 'ready' }).check(at(raw));
    } finally {
      await raw.stop();
    }
  });

  it('refuses requests that cannot go on the wire', () => {
    expect(() => new HttpHealthCheck({ method: 'GE T' })).toThrow(TypeError);
    expect(() => new HttpHealthCheck({ path: 'no-slash' })).toThrow(TypeError);
    expect(() => new HttpHealthCheck({ path: '/a b' })).toThrow(TypeError);
    expect(() => new HttpHealthCheck({ headers: { 'X-A': 'a\r\nb' } })).toThrow(TypeError);
    expect(() => new HttpHealthCheck({ host: 'a\nb' })).toThrow(TypeError);
    expect(() => new HttpHealthCheck({ expectedStatus: [300, 200] })).toThrow(RangeError);
  });
});

describe('HTTPS health checks', () => {
  let cert: TestCertificate;
  let server: Peer;

  beforeAll(async () => {
    cert = makeTestCertificate();
    server = await httpsPeer(cert, (_req, res) => res.end('secure ok'));
  });
  afterAll(() => server.stop());

  it('passes against a server whose certificate comes from a trusted test CA', async () => {
    const tls = { ca: cert.ca, servername: 'localhost' };
    await new HttpHealthCheck({ tls, bodyMatch: 'secure ok' }).check(at(server));
    // The IP literal is in the certificate too (no SNI is sent for it).
    await new HttpHealthCheck({ tls: { ca: cert.ca } }).check(at(server));
    await new TcpHealthCheck({ tls }).check(at(server));
  });

  it('fails on an untrusted certificate or a wrong name, unless verification is off', async () => {
    const untrusted = await failure(
      new HttpHealthCheck({ tls: {}, timeoutMs: 2_000 }).check(at(server)),
    );
    expect(untrusted.kind).toBe('InvalidCert');
    const wrongName = await failure(
      new HttpHealthCheck({ tls: { ca: cert.ca, servername: 'other.test' } }).check(at(server)),
    );
    expect(wrongName.kind).toBe('InvalidCert');
    await new HttpHealthCheck({ tls: { rejectUnauthorized: false } }).check(at(server));
  });

  it('fails when the server stops and passes when it is back', async () => {
    const check = new HttpHealthCheck({ tls: { ca: cert.ca } });
    await server.stop();
    expect((await failure(check.check(at(server)))).kind).toBe('ConnectRefused');
    await server.restart();
    await check.check(at(server));
  });
});
