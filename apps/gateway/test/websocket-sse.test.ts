import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type DemoUpstream, startDemoUpstream } from '../src/index.js';
import { type GatewayUnderTest, startGateway } from './helpers/gateway-under-test.js';
import { trackHandles } from './helpers/leak-check.js';
import { type Origin, startOrigin } from './helpers/origin.js';

const checkLeaks = trackHandles();

let demo: DemoUpstream;
let quiet: Origin;
let gw: GatewayUnderTest;

beforeAll(async () => {
  demo = await startDemoUpstream('demo');
  // One event, then silence with the stream held open: keepalives must fill the gap.
  quiet = await startOrigin('quiet', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write('data: first\n\n');
  });
  gw = await startGateway(`
listeners: [{ address: "127.0.0.1:0" }]
upstreams:
  demo: { backends: ["${demo.address}"] }
  quiet: { backends: ["${quiet.address}"] }
routes:
  - name: ws
    match: { paths: [/ws] }
    upstream: demo
    websocket: true
  - name: ws-limited
    match: { paths: [/limited] }
    upstream: demo
    rewrite: { path: /ws }
    websocket: { max_message_bytes: 10 }
  - name: not-ws
    match: { paths: [/plain] }
    upstream: demo
    rewrite: { path: /ws }
  - name: clock
    match: { paths: [/events] }
    upstream: demo
    sse: {}
  - name: quiet
    match: { paths: [/quiet] }
    upstream: quiet
    sse: { keepalive_seconds: 0.2 }
`);
});

afterAll(async () => {
  await gw.close();
  await demo.close();
  await quiet.close();
  await checkLeaks();
});

describe('WebSocket routes', () => {
  it('tunnels a WebSocket to the upstream echo, text and binary, both ways', async () => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/ws`);
    const replies: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => {
        ws.send('hello');
        ws.send(Buffer.from([1, 2, 3]));
        ws.send('x'.repeat(70_000));
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        replies.push(
          isBinary
            ? `binary:${[...data].join(',')}`
            : data.length > 100
              ? `long:${data.length}`
              : data.toString(),
        );
        if (replies.length === 3) resolve();
      });
      ws.on('error', reject);
    });
    expect(replies).toEqual(['hello', 'binary:1,2,3', 'long:70000']);
    await new Promise<void>((resolve) => {
      ws.on('close', () => resolve());
      ws.close(1000, 'bye');
    });
  });

  it('relays message by message where a route limits message size: larger ones are dropped', async () => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/limited`);
    const replies: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => {
        ws.send('short');
        ws.send('x'.repeat(20));
        ws.send('after');
      });
      ws.on('message', (data: Buffer) => {
        replies.push(data.toString());
        if (replies.length === 2) resolve();
      });
      ws.on('error', reject);
    });
    expect(replies).toEqual(['short', 'after']);
    await new Promise<void>((resolve) => {
      ws.on('close', () => resolve());
      ws.close(1000);
    });
    const metrics = await gw.gateway.metrics.render();
    expect(metrics).toContain(
      'gateway_websocket_messages_total{route="ws-limited",direction="to-upstream",result="dropped"} 1',
    );
    expect(metrics).toContain(
      'gateway_websocket_messages_total{route="ws-limited",direction="to-client",result="relayed"} 2',
    );
  });

  it('refuses an upgrade on a route without websocket: true', async () => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/plain`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(403);
    ws.terminate();
  });
});

describe('SSE routes', () => {
  it('streams events as they come (not buffered until the end)', async () => {
    const res = await request(`${gw.url}/events`);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['x-accel-buffering']).toBe('no');
    let text = '';
    for await (const chunk of res.body) {
      text += chunk.toString();
      if ((text.match(/event: tick/g) ?? []).length >= 2) break;
    }
    res.body.destroy();
    expect(text).toMatch(/^event: tick\ndata: \{"time":"[^"]+","upstream":"demo"\}\n\n/);
  });

  it('sends keepalive comments on an idle stream, only between events', async () => {
    const res = await request(`${gw.url}/quiet`);
    let text = '';
    for await (const chunk of res.body) {
      text += chunk.toString();
      if ((text.match(/: keepalive\n\n/g) ?? []).length >= 2) break;
    }
    res.body.destroy();
    expect(text.startsWith('data: first\n\n: keepalive\n\n: keepalive\n\n')).toBe(true);
  });
});
