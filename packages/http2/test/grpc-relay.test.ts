import http2, { constants } from 'node:http2';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, describe, expect, it } from 'vitest';
import { H2Connector, type H2Peer, H2Server } from '../src/index.js';
import { closeListener, listen } from './peers.js';
import { type RelayLog, relay } from './relay.js';

interface Note {
  text: string;
  seq: number;
}

type EchoClient = grpc.Client & {
  Say(
    note: Note,
    metadata: grpc.Metadata,
    callback: (error: grpc.ServiceError | null, reply?: Note) => void,
  ): grpc.ClientUnaryCall;
  Chat(metadata?: grpc.Metadata): grpc.ClientDuplexStream<Note, Note>;
};

const definition = protoLoader.loadSync(
  fileURLToPath(new URL('./fixtures/echo.proto', import.meta.url)),
);
const proto = grpc.loadPackageDefinition(definition) as unknown as {
  pingora: { test: { Echo: grpc.ServiceClientConstructor } };
};
const Echo = proto.pingora.test.Echo;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface OriginLog {
  cancelled: number;
  metadata: grpc.Metadata[];
}

async function grpcOrigin(): Promise<{ port: number; log: OriginLog }> {
  const log: OriginLog = { cancelled: 0, metadata: [] };
  const server = new grpc.Server();
  server.addService(Echo.service, {
    Say(call: grpc.ServerUnaryCall<Note, Note>, callback: grpc.sendUnaryData<Note>) {
      log.metadata.push(call.metadata);
      if (call.request.text === 'missing') {
        callback({ code: grpc.status.NOT_FOUND, details: 'no such note' });
        return;
      }
      const trailer = new grpc.Metadata();
      trailer.set('x-origin-trailer', 'kept');
      callback(null, { text: `echo ${call.request.text}`, seq: call.request.seq + 1 }, trailer);
    },
    Chat(call: grpc.ServerDuplexStream<Note, Note>) {
      call.on('cancelled', () => {
        log.cancelled++;
      });
      call.on('data', (note: Note) => {
        call.write({ text: `re ${note.text}`, seq: note.seq * 10 });
      });
      call.on('end', () => {
        const trailer = new grpc.Metadata();
        trailer.set('x-chat-end', 'yes');
        call.end(trailer);
      });
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  cleanups.push(() => {
    server.forceShutdown();
  });
  return { port, log };
}

async function relayTo(
  port: number,
): Promise<{ relayPort: number; log: RelayLog; connector: H2Connector }> {
  const connector = new H2Connector();
  const peer: H2Peer = { host: '127.0.0.1', port, protocol: 'h2' };
  const log: RelayLog = { requestTe: [], errors: [] };
  const server = new H2Server({ handler: relay(connector, peer, log) });
  const { port: relayPort } = await server.listen(0, '127.0.0.1');
  cleanups.push(async () => {
    await server.close();
    connector.close();
  });
  return { relayPort, log, connector };
}

function client(port: number): EchoClient {
  const c = new Echo(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as EchoClient;
  cleanups.push(() => c.close());
  return c;
}

function say(c: EchoClient, note: Note, metadata = new grpc.Metadata()) {
  return new Promise<{ error: grpc.ServiceError | null; reply?: Note; trailers?: grpc.Metadata }>(
    (resolve) => {
      let trailers: grpc.Metadata | undefined;
      const call = c.Say(note, metadata, (error, reply) =>
        setImmediate(() =>
          resolve({ error, ...(reply ? { reply } : {}), ...(trailers ? { trailers } : {}) }),
        ),
      );
      call.on('status', (s: grpc.StatusObject) => {
        trailers = s.metadata;
      });
    },
  );
}

describe('gRPC through a relay of H2Server + H2Connector', () => {
  it('unary: message, metadata, te: trailers and trailing metadata pass both ways', async () => {
    const origin = await grpcOrigin();
    const { relayPort, log } = await relayTo(origin.port);
    const c = client(relayPort);
    const md = new grpc.Metadata();
    md.set('x-caller', 'test');
    const r = await say(c, { text: 'hi', seq: 1 }, md);
    expect(r.error).toBeNull();
    expect(r.reply).toEqual({ text: 'echo hi', seq: 2 });
    expect(r.trailers?.get('x-origin-trailer')).toEqual(['kept']);
    expect(origin.log.metadata[0]?.get('x-caller')).toEqual(['test']);
    expect(log.requestTe).toEqual(['trailers']);
  });

  it('unary errors: grpc-status and grpc-message arrive (trailers-only answers)', async () => {
    const origin = await grpcOrigin();
    const { relayPort } = await relayTo(origin.port);
    const r = await say(client(relayPort), { text: 'missing', seq: 0 });
    expect(r.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(r.error?.details).toBe('no such note');
  });

  it('bidirectional streaming: each reply comes back before the next message is sent', async () => {
    const origin = await grpcOrigin();
    const { relayPort, connector } = await relayTo(origin.port);
    const call = client(relayPort).Chat();
    const replies: Note[] = [];
    const next = () => new Promise<Note>((resolve) => call.once('data', resolve));
    for (let i = 1; i <= 5; i++) {
      const reply = next();
      call.write({ text: `m${i}`, seq: i });
      replies.push(await reply);
    }
    const status = new Promise<grpc.StatusObject>((resolve) => call.once('status', resolve));
    call.end();
    const s = await status;
    expect(replies).toEqual([1, 2, 3, 4, 5].map((i) => ({ text: `re m${i}`, seq: i * 10 })));
    expect(s.code).toBe(grpc.status.OK);
    expect(s.metadata.get('x-chat-end')).toEqual(['yes']);
    expect(connector.stats().connections).toBe(1);
  });

  it('many concurrent calls share one upstream connection', async () => {
    const origin = await grpcOrigin();
    const { relayPort, connector } = await relayTo(origin.port);
    const c = client(relayPort);
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => say(c, { text: `n${i}`, seq: i })),
    );
    expect(results.every((r, i) => r.reply?.seq === i + 1)).toBe(true);
    expect(connector.stats().connections).toBe(1);
  });

  it('a client cancel resets the upstream stream (the origin sees the call cancelled)', async () => {
    const origin = await grpcOrigin();
    const { relayPort } = await relayTo(origin.port);
    const call = client(relayPort).Chat();
    call.on('error', () => {});
    const first = new Promise<Note>((resolve) => call.once('data', resolve));
    call.write({ text: 'x', seq: 1 });
    await first;
    const status = new Promise<grpc.StatusObject>((resolve) => call.once('status', resolve));
    call.cancel();
    expect((await status).code).toBe(grpc.status.CANCELLED);
    for (let i = 0; i < 200 && origin.log.cancelled === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(origin.log.cancelled).toBe(1);
  });
});

describe('resets through the relay (node:http2 peers)', () => {
  it('an upstream reset mid-body reaches the client as a reset, not a short body', async () => {
    const origin = http2.createServer();
    origin.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.respond({ ':status': 200 });
      stream.write('part', () => stream.destroy(new Error('origin failed')));
    });
    const port = await listen(origin as unknown as net.Server);
    cleanups.push(() => closeListener(origin as unknown as net.Server));
    const { relayPort, log } = await relayTo(port);
    const c = http2.connect(`http://127.0.0.1:${relayPort}`);
    cleanups.push(() => void c.close());
    const req = c.request({ ':path': '/' });
    req.on('error', () => {});
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    const code = await new Promise<number>((resolve) =>
      req.on('close', () => resolve(req.rstCode ?? -1)),
    );
    expect(body).toBe('part');
    expect(code).toBe(constants.NGHTTP2_INTERNAL_ERROR);
    expect(log.errors[0]?.kind).toBe('H2Error');
    expect(log.errors[0]?.source).toBe('upstream');
  });

  it('a client reset while the upstream is slow resets the upstream stream', async () => {
    const upstreamCodes: number[] = [];
    let arrived: () => void = () => {};
    const reached = new Promise<void>((r) => {
      arrived = r;
    });
    const origin = http2.createServer();
    origin.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.on('close', () => upstreamCodes.push(stream.rstCode ?? -1));
      stream.respond({ ':status': 200 });
      stream.write('waiting');
      arrived();
    });
    const port = await listen(origin as unknown as net.Server);
    const sessions: http2.ServerHttp2Session[] = [];
    origin.on('session', (s) => sessions.push(s));
    cleanups.push(async () => {
      for (const s of sessions) s.destroy();
      await closeListener(origin as unknown as net.Server);
    });
    const { relayPort } = await relayTo(port);
    const c = http2.connect(`http://127.0.0.1:${relayPort}`);
    cleanups.push(() => void c.close());
    const req = c.request({ ':path': '/slow' });
    req.on('error', () => {});
    await new Promise<void>((r) => req.once('data', () => r()));
    await reached;
    req.close(constants.NGHTTP2_CANCEL);
    for (let i = 0; i < 200 && upstreamCodes.length === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(upstreamCodes).toEqual([constants.NGHTTP2_CANCEL]);
  });
});
