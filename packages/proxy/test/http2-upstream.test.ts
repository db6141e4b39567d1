import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy } from '../src/index.js';

describe('HTTP/2 upstreams', () => {
  let origin: http2.Http2Server;
  let originPort: number;
  const sessions = new Set<http2.ServerHttp2Session>();
  beforeAll(async () => {
    origin = http2.createServer();
    origin.on('session', (s) => sessions.add(s));
    origin.on('stream', (stream, headers) => {
      const parts: Buffer[] = [];
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }));
        stream.end(
          `h2 origin ${headers[':method']} ${headers[':path']} ${headers[':authority']} body=${Buffer.concat(parts)}`,
        );
      });
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    originPort = (origin.address() as AddressInfo).port;
  });
  afterAll(() => {
    for (const s of sessions) s.destroy();
    origin.close();
  });

  it('an HTTP/1.1 client through the proxy to an h2-only upstream, 20 requests on one connection', async () => {
    const proxy = new HttpProxy({
      upstreamPeer: () => ({ host: '127.0.0.1', port: originPort, protocol: 'h2' }),
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    try {
      const first = await request(`http://127.0.0.1:${port}/one`, { method: 'POST', body: 'data' });
      expect(await first.body.text()).toBe(`h2 origin POST /one 127.0.0.1:${port} body=data`);
      const answers = await Promise.all(
        Array.from({ length: 20 }, async (_, i) =>
          (await request(`http://127.0.0.1:${port}/n${i}`)).body.text(),
        ),
      );
      expect(answers).toEqual(
        answers.map((_, i) => `h2 origin GET /n${i} 127.0.0.1:${port} body=`),
      );
      expect(sessions.size).toBe(1); // multiplexed on one upstream connection
    } finally {
      await proxy.close();
    }
  });
});

describe('gRPC through the proxy (real @grpc/grpc-js client and server)', () => {
  const proto = grpc.loadPackageDefinition(
    protoLoader.loadSync(fileURLToPath(new URL('./fixtures/echo.proto', import.meta.url))),
  ) as unknown as {
    echo: { Echo: grpc.ServiceClientConstructor & { service: grpc.ServiceDefinition } };
  };
  let server: grpc.Server;
  let serverPort: number;
  let proxy: HttpProxy;
  let proxyPort: number;
  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(proto.echo.Echo.service, {
      Unary: (
        call: grpc.ServerUnaryCall<{ text: string }, { text: string }>,
        done: grpc.sendUnaryData<{ text: string }>,
      ) => {
        if (call.request.text === 'fail') {
          done({ code: grpc.status.FAILED_PRECONDITION, details: 'asked to fail' });
          return;
        }
        done(null, { text: `unary: ${call.request.text}` });
      },
      Chat: (call: grpc.ServerDuplexStream<{ text: string }, { text: string }>) => {
        call.on('data', (m: { text: string }) => call.write({ text: `chat: ${m.text}` }));
        call.on('end', () => call.end());
      },
    });
    serverPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    proxy = new HttpProxy(
      { upstreamPeer: () => ({ host: '127.0.0.1', port: serverPort, protocol: 'h2' }) },
      { http2: { h2c: true } },
    );
    ({ port: proxyPort } = await proxy.listen(0, '127.0.0.1'));
  });
  afterAll(async () => {
    await proxy.close();
    server.forceShutdown();
  });

  const client = () =>
    new proto.echo.Echo(
      `127.0.0.1:${proxyPort}`,
      grpc.credentials.createInsecure(),
    ) as unknown as grpc.Client & {
      Unary(
        m: { text: string },
        cb: (e: grpc.ServiceError | null, r?: { text: string }) => void,
      ): void;
      Chat(): grpc.ClientDuplexStream<{ text: string }, { text: string }>;
    };

  it('unary: the answer, and a failure status carried in trailers', async () => {
    const c = client();
    const ok = await new Promise<string>((resolve, reject) =>
      c.Unary({ text: 'hi' }, (e, r) => (e ? reject(e) : resolve(r?.text ?? ''))),
    );
    expect(ok).toBe('unary: hi');
    const failure = await new Promise<grpc.ServiceError>((resolve) =>
      c.Unary({ text: 'fail' }, (e) => resolve(e as grpc.ServiceError)),
    );
    expect(failure.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(failure.details).toBe('asked to fail');
    c.close();
  });

  it('bidirectional streaming: each message answered in order, clean end', async () => {
    const c = client();
    const call = c.Chat();
    const got: string[] = [];
    call.on('data', (m: { text: string }) => got.push(m.text));
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    for (const text of ['a', 'b', 'c']) call.write({ text });
    call.end();
    await ended;
    expect(got).toEqual(['chat: a', 'chat: b', 'chat: c']);
    c.close();
  });
});
