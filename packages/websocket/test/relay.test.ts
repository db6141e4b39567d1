import { once } from 'node:events';
import { HttpConnector } from '@pingora-ts/http-client';
import { RequestHeader } from '@pingora-ts/http-parser';
import { HttpServer } from '@pingora-ts/http-server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient } from 'ws';
import {
  type RelayHook,
  type RelayResult,
  relayWebSocket,
  WebSocketMessage,
} from '../src/index.js';
import { expectNoLeakedHandles } from './handles.js';
import { startWsServer } from './peers.js';

expectNoLeakedHandles();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A minimal proxy, as `@pingora-ts/proxy` does it: forward the upgrade request, pass the 101
 * back, then relay messages between the two upgraded sockets.
 */
async function startProxy(upstreamPort: number, onMessage: RelayHook) {
  const connector = new HttpConnector();
  const results: Promise<RelayResult>[] = [];
  const server = new HttpServer({
    handler: async (session) => {
      const up = await connector.session({ host: '127.0.0.1', port: upstreamPort }, true);
      await up.writeRequest(
        new RequestHeader(
          'GET',
          session.request.rawTarget,
          'HTTP/1.1',
          session.request.headers.clone(),
        ),
      );
      const response = await up.readResponseHead();
      await session.writeHead(response.status, response.headers, 'Switching Protocols');
      const down = session.upgrade();
      const upstream = up.takeOver();
      results.push(
        relayWebSocket(down.socket, down.head, upstream.socket, upstream.head, {
          extensions: response.headers.get('sec-websocket-extensions') ?? '',
          onMessage,
        }),
      );
    },
  });
  const { port } = await server.listen(0, '127.0.0.1');
  cleanups.push(async () => {
    await Promise.all(results);
    await server.close();
    connector.close();
  });
  return { port, results };
}

const rewrite: RelayHook = (m, direction) => {
  if (m.isBinary) return m;
  const text = m.text();
  if (text === 'drop me') return null;
  if (direction === 'downstream-to-upstream')
    return new WebSocketMessage(Buffer.from(text.toUpperCase()), false);
  return new WebSocketMessage(Buffer.from(`relayed: ${text}`), false);
};

for (const deflate of [false, true]) {
  describe(`ws client -> relay -> ws server, ${deflate ? 'with' : 'without'} permessage-deflate`, () => {
    it('rewrites and drops messages both ways, passes binary and the close through', async () => {
      const serverClosed: Array<{ code: number; reason: string }> = [];
      const upstream = await startWsServer({ perMessageDeflate: deflate }, (s) => {
        s.on('message', (data, isBinary) => s.send(data as Buffer, { binary: isBinary }));
        s.on('close', (code, reason) => serverClosed.push({ code, reason: reason.toString() }));
      });
      cleanups.push(upstream.close);
      const proxy = await startProxy(upstream.port, rewrite);
      const client = new WsClient(`ws://127.0.0.1:${proxy.port}/room`, {
        perMessageDeflate: deflate,
      });
      const got: string[] = [];
      let binary: Buffer | undefined;
      client.on('message', (data, isBinary) => {
        if (isBinary) binary = data as Buffer;
        else got.push((data as Buffer).toString());
      });
      await once(client, 'open');
      expect(client.extensions.startsWith('permessage-deflate')).toBe(deflate);
      const big = Buffer.alloc(1 << 20, 0x5a);
      client.send('hello');
      client.send('drop me');
      client.send('x'.repeat(5000));
      client.send(big);
      for (let i = 0; i < 1000 && (got.length < 2 || binary === undefined); i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(got).toEqual(['relayed: HELLO', `relayed: ${'X'.repeat(5000)}`]);
      expect(binary?.equals(big)).toBe(true);
      const closed = once(client, 'close');
      client.close(4005, 'bye');
      const [code] = await closed;
      expect(code).toBe(4005);
      const result = await proxy.results[0]!;
      expect(result).toMatchObject({ toUpstream: 3, toDownstream: 3, dropped: 1 });
      expect(result.downstream).toMatchObject({ code: 4005, reason: 'bye', wasClean: true });
      expect(serverClosed).toEqual([{ code: 4005, reason: 'bye' }]);
    });
  });
}

describe('relay close propagation', () => {
  it('passes a close the upstream starts to the client', async () => {
    const upstream = await startWsServer({}, (s) => {
      s.on('message', () => s.close(1001, 'server leaving'));
    });
    cleanups.push(upstream.close);
    const proxy = await startProxy(upstream.port, (m) => m);
    const client = new WsClient(`ws://127.0.0.1:${proxy.port}/`);
    await once(client, 'open');
    const closed = once(client, 'close');
    client.send('bye?');
    const [code, reason] = await closed;
    expect(code).toBe(1001);
    expect(String(reason)).toBe('server leaving');
    expect((await proxy.results[0]!).upstream).toMatchObject({ code: 1001, wasClean: true });
  });

  it('closes both connections with 1011 when the hook throws, and reports what it threw', async () => {
    let upstreamClosed = 0;
    const upstream = await startWsServer({}, (s) => {
      s.on('close', (code) => {
        upstreamClosed = code;
      });
    });
    cleanups.push(upstream.close);
    const proxy = await startProxy(upstream.port, () => {
      throw new Error('hook failed');
    });
    const client = new WsClient(`ws://127.0.0.1:${proxy.port}/`);
    await once(client, 'open');
    const closed = once(client, 'close');
    client.send('anything');
    const [code, reason] = await closed;
    expect(code).toBe(1011);
    expect(String(reason)).toBe('message hook failed');
    const result = await proxy.results[0]!;
    expect(result.downstream).toMatchObject({ code: 1011, wasClean: true });
    expect(result.upstream).toMatchObject({ code: 1011, wasClean: true });
    expect(String(result.hookError)).toBe('Error: hook failed');
    for (let i = 0; i < 100 && upstreamClosed === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(upstreamClosed).toBe(1011);
  });

  it('closes the client with 1001 when the upstream connection drops', async () => {
    const upstream = await startWsServer({}, (s) => {
      s.on('message', () => s.terminate());
    });
    cleanups.push(upstream.close);
    const proxy = await startProxy(upstream.port, (m) => m);
    const client = new WsClient(`ws://127.0.0.1:${proxy.port}/`);
    await once(client, 'open');
    const closed = once(client, 'close');
    client.send('boom');
    const [code] = await closed;
    expect(code).toBe(1001);
    expect((await proxy.results[0]!).upstream.code).toBe(1006);
  });
});
