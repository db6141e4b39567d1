// Benchmark: messages parsed per second (and MB/s) for four message shapes, side by side with
// http-parser-js and with llhttp driven in-process the way node:http drives it (HTTPParser from
// _http_common with the kOnHeadersComplete / kOnBody / kOnMessageComplete callbacks, so its
// JavaScript callbacks, which build the header list, are paid as in node).
// Every candidate produces the method/status, target, version and the header list, and
// sees every body byte.
import { createRequire } from 'node:module';
import { BodyDecoder, RequestHeadParser, ResponseHeadParser } from '@pingora-ts/http-parser';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

const require = createRequire(import.meta.url);

interface NodeParser {
  initialize(type: number, resource: object): void;
  execute(data: Buffer): number | Error;
  finish(): void;
  [k: number]: unknown;
}
interface NodeParserClass {
  new (): NodeParser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}
interface JsParser {
  execute(data: Buffer): number | Error;
  [k: number]: unknown;
}
interface JsParserClass {
  new (type: string): JsParser;
  REQUEST: string;
  RESPONSE: string;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}

const { HTTPParser: LLHTTP } = require('node:_http_common') as { HTTPParser: NodeParserClass };
const { HTTPParser: JSHTTP } = require('http-parser-js') as { HTTPParser: JsParserClass };

const minimalGet = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
const browser = [
  'GET /wiki/Special:Search?search=http+parser&go=Go HTTP/1.1',
  'Host: en.wikipedia.org',
  'Connection: keep-alive',
  'Cache-Control: max-age=0',
  'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
  'sec-ch-ua-mobile: ?0',
  'sec-ch-ua-platform: "Linux"',
  'Upgrade-Insecure-Requests: 1',
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8',
  'Sec-Fetch-Site: same-origin',
  'Sec-Fetch-Mode: navigate',
  'Sec-Fetch-User: ?1',
  'Sec-Fetch-Dest: document',
  'Referer: https://en.wikipedia.org/wiki/Main_Page',
  'Accept-Encoding: gzip, deflate, br, zstd',
  'Accept-Language: en-GB,en;q=0.9,fr;q=0.8',
  'Cookie: WMF-Last-Access=22-Nov-2025; GeoIP=GB:ENG:London:51.51:-0.13:v4; enwikimwuser-sessionId=0123456789abcdef',
  'DNT: 1',
  'Priority: u=0, i',
  'X-Requested-With: XMLHttpRequest',
  '',
  '',
].join('\r\n');
const chunk = 'x'.repeat(64);
const chunkedResponse = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${`40\r\n${chunk}\r\n`.repeat(8)}0\r\n\r\n`;
const pipelined = Array.from(
  { length: 16 },
  (_, i) => `GET /item/${i} HTTP/1.1\r\nHost: api.example\r\nAccept: */*\r\n\r\n`,
).join('');

interface Shape {
  name: string;
  type: 'request' | 'response';
  wire: Buffer;
  messages: number; // messages in one wire buffer
}
const shapes: Shape[] = [
  { name: 'minimal GET', type: 'request', wire: Buffer.from(minimalGet, 'latin1'), messages: 1 },
  {
    name: '20-header browser GET',
    type: 'request',
    wire: Buffer.from(browser, 'latin1'),
    messages: 1,
  },
  {
    name: 'chunked response, 8 chunks',
    type: 'response',
    wire: Buffer.from(chunkedResponse, 'latin1'),
    messages: 1,
  },
  {
    name: '16 pipelined GETs',
    type: 'request',
    wire: Buffer.from(pipelined, 'latin1'),
    messages: 16,
  },
];

let sink = 0;

function ours(shape: Shape, iterations: number): () => number {
  const isRequest = shape.type === 'request';
  const req = new RequestHeadParser();
  const res = new ResponseHeadParser();
  const wire = shape.wire;
  return () => {
    let messages = 0;
    for (let n = 0; n < iterations; n++) {
      let pos = 0;
      while (pos < wire.length) {
        const parsed = isRequest ? req.push(wire, pos) : res.push(wire, 'GET', pos);
        if (parsed === null) throw new Error('incomplete');
        pos += parsed.consumed;
        sink += parsed.head.headers.size;
        if (parsed.body.kind !== 'none') {
          const decoder = new BodyDecoder(parsed.body, shape.type);
          const r = decoder.push(wire.subarray(pos));
          for (const d of r.data) sink += d.length;
          pos += r.consumed;
        }
        messages++;
      }
    }
    return messages;
  };
}

function llhttp(shape: Shape, iterations: number): () => number {
  const parser = new LLHTTP();
  parser.initialize(shape.type === 'request' ? LLHTTP.REQUEST : LLHTTP.RESPONSE, {});
  let messages = 0;
  // node:http's onHeadersComplete receives the header list [name, value, ...] as strings.
  parser[LLHTTP.kOnHeadersComplete] = (
    _major: number,
    _minor: number,
    headers: string[],
    _method: number,
    url: string,
  ) => {
    sink += headers.length + (url === undefined ? 0 : 1);
    return 0;
  };
  parser[LLHTTP.kOnHeaders] = () => {};
  parser[LLHTTP.kOnBody] = (b: Buffer) => {
    sink += b.length;
  };
  parser[LLHTTP.kOnMessageComplete] = () => {
    messages++;
  };
  parser[LLHTTP.kOnExecute] = () => {};
  const wire = shape.wire;
  return () => {
    messages = 0;
    for (let n = 0; n < iterations; n++) {
      const r = parser.execute(wire);
      if (typeof r !== 'number') throw r;
    }
    return messages;
  };
}

function httpParserJs(shape: Shape, iterations: number): () => number {
  const parser = new JSHTTP(shape.type === 'request' ? JSHTTP.REQUEST : JSHTTP.RESPONSE);
  let messages = 0;
  parser[JSHTTP.kOnHeadersComplete] = (info: { headers: string[] }) => {
    sink += info.headers.length;
  };
  parser[JSHTTP.kOnBody] = (b: Buffer, start: number, len: number) => {
    sink += len + (b === undefined ? start : 0);
  };
  parser[JSHTTP.kOnMessageComplete] = () => {
    messages++;
  };
  const wire = shape.wire;
  return () => {
    messages = 0;
    for (let n = 0; n < iterations; n++) {
      const r = parser.execute(wire);
      if (typeof r !== 'number') throw r;
    }
    return messages;
  };
}

const rows = [];
for (const shape of shapes) {
  // About 50 ms per candidate per round at llhttp's speed.
  const iterations = Math.max(
    200,
    Math.round(40_000 / shape.messages / Math.max(1, shape.wire.length / (shape.messages * 64))),
  );
  const result = await compareOps(
    {
      ours: ours(shape, iterations),
      llhttp: llhttp(shape, iterations),
      'http-parser-js': httpParserJs(shape, iterations),
    },
    { rounds: 15, warmup: 3 },
  );
  const bytesPerMessage = shape.wire.length / shape.messages;
  const mb = (ops: number): number => (ops * bytesPerMessage) / 1e6;
  rows.push(
    row(
      `${shape.name} msgs/s`,
      'msgs/s',
      result.ours,
      'http-parser-js',
      result['http-parser-js'],
      3,
    ),
  );
  rows.push(row(`${shape.name} msgs/s`, 'msgs/s', result.ours, 'llhttp', result.llhttp, 1));
  console.log(
    `${shape.name}: ours ${mb(result.ours).toFixed(1)} MB/s, llhttp ${mb(result.llhttp).toFixed(1)} MB/s, http-parser-js ${mb(result['http-parser-js']).toFixed(1)} MB/s`,
  );
}
report('http-parser', 'parse', rows);
if (sink === 42) console.log('');
