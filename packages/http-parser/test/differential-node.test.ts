// Differential test against node:http (llhttp) over real sockets: generated and mutated
// requests go to a node:http server on 127.0.0.1 through raw sockets; "accepted" means the
// request handler ran (200), "rejected" means a 400 from clientError or a closed socket. Our
// decision: the whole input parses (at least one complete message, no PingoraError, no cut-off
// message at EOF). Disagreements must be
// in KNOWN_DIFFERENCES (each with its RFC reason; mirrored in the README).
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStream } from './message-stream.js';

const COUNT = 2500;
const CONCURRENCY = 24;

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-length': '0', connection: 'close' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends `bytes` on a fresh connection; true when node's handler answered 200. */
function nodeAccepts(bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    let settled = false;
    const done = (accepted: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(accepted);
    };
    const timer = setTimeout(() => done(false), 3000);
    socket.on('data', (d) => {
      reply += d.toString('latin1');
      if (reply.length >= 12) done(reply.startsWith('HTTP/1.1 200'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(reply.startsWith('HTTP/1.1 200')));
    socket.end(bytes);
  });
}

function oursAccepts(bytes: Buffer): { accepted: boolean; rule?: string } {
  const r = parseStream('request', [bytes], undefined, true);
  // node:http parses the whole packet before the handler's response goes out, so bytes after
  // the first message that fail to parse (or end mid-message) turn its answer into a 400 too:
  // compare on the whole input.
  const accepted = r.ok && r.messages[0]?.complete === true;
  return accepted ? { accepted } : { accepted, rule: r.error?.detail?.rule ?? 'incomplete' };
}

// ----- the generator: plausible requests with smuggling-shaped and broken parts -----
const pick = <T>(...xs: T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const method = fc.oneof(
  { weight: 10, arbitrary: pick('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH') },
  { weight: 1, arbitrary: pick('get', 'G@T', 'GE T', 'M-SEARCH', 'PROPFIND', 'X{', '') },
);
const target = fc.oneof(
  {
    weight: 10,
    arbitrary: pick('/', '/a/b?c=d', '/x%20y', '*', 'http://h.example/p?q', '/~user/'),
  },
  { weight: 1, arbitrary: pick('/a b', '/\x7f', '/\x01', '', '/caf\xc3\xa9', '/a\tb') },
);
const version = fc.oneof(
  { weight: 10, arbitrary: pick('HTTP/1.1') },
  { weight: 3, arbitrary: pick('HTTP/1.0') },
  {
    weight: 1,
    arbitrary: pick('HTTP/2.0', 'HTTP/1.2', 'http/1.1', 'HTTP/1', 'HTTP/0.9', 'HTTP/11'),
  },
);
const eol = fc.oneof(
  { weight: 30, arbitrary: pick('\r\n') },
  { weight: 1, arbitrary: pick('\n', '\r', '\r\r\n') },
);
const field = fc.oneof(
  {
    weight: 8,
    arbitrary: pick(
      'Accept: */*',
      'User-Agent: t/1',
      'X-Id: 42',
      'Cookie: a=b; c=d',
      'Empty:',
      'X-Sp:   padded   ',
    ),
  },
  {
    weight: 2,
    arbitrary: pick('Connection: close', 'Connection: keep-alive', 'Connection: upgrade'),
  },
  {
    weight: 3,
    arbitrary: pick(
      'Host : h',
      'Bad Name: v',
      'X-Nul: a\0b',
      'X-Cr: a\rb',
      'X-Obs: \xe9t\xe9',
      ' Leading: v',
      'X-Fold: a\r\n b',
      'X@: v',
      ':nameless',
      'X-Tab:\tv\t',
      'X-Del: a\x7fb',
    ),
  },
);
const framing = fc.oneof(
  { weight: 6, arbitrary: pick('none', 'cl', 'chunked') },
  {
    weight: 2,
    arbitrary: pick(
      'cl+te',
      'cl-dup-same',
      'cl-dup-diff',
      'cl-bad',
      'cl-list',
      'te-gzip',
      'te-chunked-gzip',
      'te-gzip-chunked',
      'te-double',
      'chunk-bad-size',
      'chunk-sign',
      'chunk-overflow',
      'chunk-ext',
      'chunk-ext-bad',
      'chunk-space',
      'chunk-trailer',
      'chunk-trailer-bad',
      'chunk-lf-only',
      'te-Chunked',
    ),
  },
);
const host = fc.oneof(
  { weight: 8, arbitrary: pick('Host: h.example') },
  { weight: 1, arbitrary: pick('', 'Host: a\r\nHost: b', 'Host:') },
);

function frame(kind: string, nl: string): { fields: string[]; body: string } {
  const body = 'hello';
  switch (kind) {
    case 'none':
      return { fields: [], body: '' };
    case 'cl':
      return { fields: ['Content-Length: 5'], body };
    case 'cl+te':
      return {
        fields: ['Content-Length: 5', 'Transfer-Encoding: chunked'],
        body: `5${nl}hello${nl}0${nl}${nl}`,
      };
    case 'cl-dup-same':
      return { fields: ['Content-Length: 5', 'Content-Length: 5'], body };
    case 'cl-dup-diff':
      return { fields: ['Content-Length: 5', 'Content-Length: 6'], body };
    case 'cl-bad':
      return { fields: ['Content-Length: 5x'], body };
    case 'cl-list':
      return { fields: ['Content-Length: 5, 5'], body };
    case 'te-gzip':
      return { fields: ['Transfer-Encoding: gzip'], body };
    case 'te-chunked-gzip':
      return { fields: ['Transfer-Encoding: chunked, gzip'], body: `5${nl}hello${nl}0${nl}${nl}` };
    case 'te-gzip-chunked':
      return { fields: ['Transfer-Encoding: gzip, chunked'], body: `5${nl}hello${nl}0${nl}${nl}` };
    case 'te-double':
      return {
        fields: ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
        body: `5${nl}hello${nl}0${nl}${nl}`,
      };
    case 'te-Chunked':
      return { fields: ['Transfer-Encoding: Chunked'], body: `5${nl}hello${nl}0${nl}${nl}` };
    case 'chunked':
      return { fields: ['Transfer-Encoding: chunked'], body: `5${nl}hello${nl}0${nl}${nl}` };
    case 'chunk-bad-size':
      return { fields: ['Transfer-Encoding: chunked'], body: `5g${nl}hello${nl}0${nl}${nl}` };
    case 'chunk-sign':
      return { fields: ['Transfer-Encoding: chunked'], body: `+5${nl}hello${nl}0${nl}${nl}` };
    case 'chunk-overflow':
      return {
        fields: ['Transfer-Encoding: chunked'],
        body: `ffffffffffffffffff${nl}hello${nl}0${nl}${nl}`,
      };
    case 'chunk-ext':
      return {
        fields: ['Transfer-Encoding: chunked'],
        body: `5;a=b;c="d e"${nl}hello${nl}0${nl}${nl}`,
      };
    case 'chunk-ext-bad':
      return { fields: ['Transfer-Encoding: chunked'], body: `5;a=b c${nl}hello${nl}0${nl}${nl}` };
    case 'chunk-space':
      return { fields: ['Transfer-Encoding: chunked'], body: `5 ${nl}hello${nl}0${nl}${nl}` };
    case 'chunk-trailer':
      return {
        fields: ['Transfer-Encoding: chunked'],
        body: `5${nl}hello${nl}0${nl}T: v${nl}${nl}`,
      };
    case 'chunk-trailer-bad':
      return {
        fields: ['Transfer-Encoding: chunked'],
        body: `5${nl}hello${nl}0${nl}T : v${nl}${nl}`,
      };
    default:
      return { fields: ['Transfer-Encoding: chunked'], body: `5\nhello\n0\n\n` };
  }
}

const request = fc
  .record({
    method,
    target,
    version,
    host,
    fields: fc.array(field, { maxLength: 4 }),
    framing,
    nl: eol,
    hostFirst: fc.boolean(),
    mutations: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }),
    mutate: fc.integer({ min: 0, max: 3 }),
  })
  .map((r) => {
    const { fields, body } = frame(r.framing, '\r\n');
    const lines = [`${r.method} ${r.target} ${r.version}`];
    const all = [...(r.host === '' ? [] : [r.host]), ...r.fields, ...fields];
    if (!r.hostFirst) all.reverse();
    lines.push(...all);
    const head = `${lines.join(r.nl)}${r.nl}${r.nl}`;
    const bytes = Buffer.from(head + body, 'latin1');
    // A quarter of the requests get one or two random byte edits.
    if (r.mutate === 0) for (const [i, v] of r.mutations) bytes[i % bytes.length] = v;
    return bytes;
  });

/** Methods llhttp knows (it rejects every other token); from llhttp's method table. */
const LLHTTP_METHODS = new Set(
  'DELETE GET HEAD POST PUT CONNECT OPTIONS TRACE COPY LOCK MKCOL MOVE PROPFIND PROPPATCH SEARCH UNLOCK BIND REBIND UNBIND ACL REPORT MKACTIVITY CHECKOUT MERGE M-SEARCH NOTIFY SUBSCRIBE UNSUBSCRIBE PATCH PURGE MKCALENDAR LINK UNLINK SOURCE QUERY'.split(
    ' ',
  ),
);
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

interface Outcome {
  text: string;
  node: boolean;
  ours: boolean;
  rule?: string;
}

/** Known, reasoned disagreements (README "Differential test"): a predicate and the RFC reason. */
export const KNOWN_DIFFERENCES: { why: string; matches: (o: Outcome) => boolean }[] = [
  {
    why: 'RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 request is faulty framing; we reject, node reads it as chunked',
    matches: (o) => o.node && o.rule === 'RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 request',
  },
  {
    why: 'RFC 9112 3.2: a server MUST answer 400 to a request with more than one Host; node takes the first',
    matches: (o) => o.node && o.rule === 'RFC 9112 3.2: more than one Host',
  },
  {
    why: 'RFC 9112 2.3/2.6: only HTTP/1.0 and HTTP/1.1 are spoken here; node accepts HTTP/2.0 (and 0.9) in a request line',
    matches: (o) => o.node && o.rule === 'RFC 9112 2.3: invalid HTTP version',
  },
  {
    why: 'RFC 9110 8.6: identical duplicate Content-Length values MAY be accepted as one; llhttp rejects any duplicate',
    matches: (o) =>
      !o.node && o.ours && /Content-Length: (\d+)\r\n[\s\S]*Content-Length: \1\r\n/i.test(o.text),
  },
  {
    why: 'RFC 9110 9.1: a method is any token (unknown ones get 501 from the server, not 400); llhttp only parses its own list',
    matches: (o) => {
      const m = o.text.slice(0, o.text.indexOf(' '));
      return !o.node && o.ours && TOKEN_RE.test(m) && !LLHTTP_METHODS.has(m);
    },
  },
];

describe('differential: node:http (llhttp) vs ours', () => {
  it(`agrees on accept/reject for ${COUNT} generated and mutated requests`, async () => {
    const inputs = fc.sample(request, { numRuns: COUNT, seed: 9112 });
    const results: Outcome[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < inputs.length) {
        const bytes = inputs[next++] as Buffer;
        const node = await nodeAccepts(bytes);
        const ours = oursAccepts(bytes);
        const outcome: Outcome = { text: bytes.toString('latin1'), node, ours: ours.accepted };
        if (ours.rule !== undefined) outcome.rule = ours.rule;
        results.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(results.length).toBe(COUNT);
    const disagreements = results.filter((r) => r.node !== r.ours);
    const unexplained = disagreements.filter((d) => !KNOWN_DIFFERENCES.some((k) => k.matches(d)));
    const accepted = results.filter((r) => r.ours).length;
    const byReason = KNOWN_DIFFERENCES.map(
      (k) => `${disagreements.filter((d) => k.matches(d)).length} x ${k.why}`,
    );
    console.log(
      `differential: ${COUNT} requests, ${accepted} accepted by us, ${COUNT - accepted} rejected, ` +
        `${disagreements.length} disagreements (${disagreements.length - unexplained.length} known)\n  ${byReason.join('\n  ')}`,
    );
    expect(unexplained.slice(0, 12).map((d) => ({ ...d, text: JSON.stringify(d.text) }))).toEqual(
      [],
    );
  }, 120_000);
});
