import { connect, createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';

// gRPC's wire shape (HTTP/2, `application/grpc`, length-prefixed messages, `grpc-status` in
// trailers) between node:http2 peers: an h2c client -> the gateway (h2: true) -> an h2c upstream.
const checkLeaks = trackHandles();
let upstream: Http2Server;
let gw: GatewayUnderTest;

/** A gRPC message frame: compressed flag 0, 4-byte big-endian length, the bytes. */
function frame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

beforeAll(async () => {
  upstream = createServer();
  upstream.on('stream', (stream: ServerHttp2Stream, headers) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => {
      const request = Buffer.concat(parts).subarray(5).toString();
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () =>
        stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'OK' }),
      );
      // Two messages: a server-streaming answer.
      stream.write(frame(`hello ${request} via ${String(headers.te)}`));
      stream.end(frame('second'));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  gw = await startGateway(`
listeners: [{ address: "127.0.0.1:0", h2: true }]
upstreams:
  grpc: { backends: ["127.0.0.1:${port}"], protocol: h2 }
routes:
  - match: { paths: ["/demo.Greeter/**"], methods: [POST] }
    upstream: grpc
`);
});

afterAll(async () => {
  await gw.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await checkLeaks();
});

describe('gRPC through the gateway (HTTP/2 both ways, trailers)', () => {
  it('relays a streaming gRPC call with its grpc-status trailer', async () => {
    const client = connect(gw.url);
    const call = client.request({
      ':method': 'POST',
      ':path': '/demo.Greeter/SayHello',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    call.end(frame('world'));
    const parts: Buffer[] = [];
    call.on('data', (c: Buffer) => parts.push(c));
    const [head, trailers] = await Promise.all([
      new Promise<Record<string, unknown>>((resolve) => call.once('response', (h) => resolve(h))),
      new Promise<Record<string, unknown>>((resolve) => call.once('trailers', (t) => resolve(t))),
      new Promise<void>((resolve) => call.once('end', () => resolve())),
    ]);
    client.close();
    expect(head[':status']).toBe(200);
    expect(head['content-type']).toBe('application/grpc');
    expect(trailers['grpc-status']).toBe('0');
    const body = Buffer.concat(parts);
    const first = body.readUInt32BE(1);
    expect(body.subarray(5, 5 + first).toString()).toBe('hello world via trailers');
    expect(body.subarray(10 + first).toString()).toBe('second');
  });
});
