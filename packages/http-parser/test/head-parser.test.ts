import { PingoraError } from '@pingora-ts/error';
import { describe, expect, it } from 'vitest';
import { RequestHeadParser, ResponseHeadParser } from '../src/index.js';

function rejectRequest(
  text: string,
  options?: ConstructorParameters<typeof RequestHeadParser>[0],
): PingoraError {
  try {
    new RequestHeadParser(options).push(Buffer.from(text, 'latin1'));
  } catch (e) {
    expect(e).toBeInstanceOf(PingoraError);
    const err = e as PingoraError;
    expect(err.source).toBe('downstream');
    return err;
  }
  throw new Error(`accepted: ${JSON.stringify(text)}`);
}

function rejectResponse(text: string): PingoraError {
  try {
    new ResponseHeadParser().push(Buffer.from(text, 'latin1'));
  } catch (e) {
    expect(e).toBeInstanceOf(PingoraError);
    expect((e as PingoraError).source).toBe('upstream');
    return e as PingoraError;
  }
  throw new Error(`accepted: ${JSON.stringify(text)}`);
}

describe('RequestHeadParser', () => {
  it('parses a request head and says how much it consumed', () => {
    const p = new RequestHeadParser();
    expect(p.push(Buffer.from('GET /a/b?c=d&e HTTP/1.1\r\nHo'))).toBeNull();
    const r = p.push(Buffer.from('st: x.example\r\nX-Y:  two words \r\n\r\nrest'));
    expect(r).not.toBeNull();
    if (r === null) return;
    expect(r.consumed).toBe(35);
    expect(r.head.method).toBe('GET');
    expect(r.head.rawTarget).toBe('/a/b?c=d&e');
    expect(r.head.path).toBe('/a/b');
    expect(r.head.query).toBe('c=d&e');
    expect(Buffer.from(r.head.target).toString('latin1')).toBe('/a/b?c=d&e');
    expect(r.head.version).toBe('HTTP/1.1');
    expect([...r.head.headers]).toEqual([
      ['Host', 'x.example'],
      ['X-Y', 'two words'],
    ]);
    expect(r.body).toEqual({ kind: 'none', length: 0 });
    expect(r.keepAlive).toBe(true);
  });

  it('frames bodies: Content-Length, chunked, CONNECT hand-off, upgrade request', () => {
    const p = new RequestHeadParser();
    expect(
      p.push(Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n'))?.body,
    ).toEqual({
      kind: 'length',
      length: 12,
    });
    expect(
      p.push(Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'))
        ?.body.kind,
    ).toBe('chunked');
    const c = p.push(Buffer.from('CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n\x16\x03\x01'));
    expect(c?.body.kind).toBe('upgrade');
    expect(c?.consumed).toBe(39);
    const u = new RequestHeadParser().push(
      Buffer.from(
        'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      ),
    );
    expect(u?.upgrade).toBe(true);
  });

  it('decides keep-alive as RFC 9112 9.3 says', () => {
    const ka = (s: string): boolean | undefined =>
      new RequestHeadParser().push(Buffer.from(s))?.keepAlive;
    expect(ka('GET / HTTP/1.1\r\nHost: a\r\n\r\n')).toBe(true);
    expect(ka('GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n')).toBe(false);
    expect(ka('GET / HTTP/1.0\r\n\r\n')).toBe(false);
    expect(ka('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')).toBe(true);
  });

  const rules: [string, string, string][] = [
    [
      'TE with CL',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      'RFC 9112 6.1: Content-Length with Transfer-Encoding',
    ],
    [
      'differing CL',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
      'RFC 9110 8.6: differing duplicate Content-Length',
    ],
    [
      'CL sign',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n',
      'RFC 9110 8.6: Content-Length is not a decimal below 2^53',
    ],
    [
      'TE not chunked',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
      'RFC 9112 6.1: chunked applied more than once or not last',
    ],
    [
      'TE identity',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n',
      'RFC 9112 6.3: request Transfer-Encoding whose final coding is not chunked',
    ],
    [
      'obs-fold',
      'GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n',
      'RFC 9112 5.2: obs-fold (line folding)',
    ],
    ['bare CR in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n', 'RFC 9112 2.2: bare CR'],
    ['bare CR line end', 'GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n', 'RFC 9112 2.2: bare CR'],
    [
      'bare LF',
      'GET / HTTP/1.1\nHost: a\r\n\r\n',
      'RFC 9112 3: expected CRLF after the HTTP version',
    ],
    [
      'bare LF in fields',
      'GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n',
      'RFC 9112 2.2: bare LF (line ends are CRLF)',
    ],
    [
      'space before colon',
      'GET / HTTP/1.1\r\nHost : a\r\n\r\n',
      'RFC 9112 5.1: whitespace between field name and colon',
    ],
    [
      'bad method',
      'G(T / HTTP/1.1\r\nHost: a\r\n\r\n',
      'RFC 9112 3.1: invalid character in the method token',
    ],
    [
      'bad name',
      'GET / HTTP/1.1\r\nHo@st: a\r\n\r\n',
      'RFC 9110 5.1: invalid character in a field name',
    ],
    [
      'NUL in value',
      'GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n',
      'RFC 9110 5.5: control character in a field value',
    ],
    [
      'chunked 1.0',
      'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n',
      'RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 request',
    ],
    ['no Host', 'GET / HTTP/1.1\r\nX: a\r\n\r\n', 'RFC 9112 3.2: missing Host'],
    [
      'two Hosts',
      'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'RFC 9112 3.2: more than one Host',
    ],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 'RFC 9112 2.3: invalid HTTP version'],
  ];
  for (const [what, text, rule] of rules) {
    it(`rejects ${what} with the rule and the byte offset`, () => {
      const e = rejectRequest(text);
      expect(e.detail?.rule).toBe(rule);
      expect(e.detail?.offset).toBeGreaterThanOrEqual(0);
      expect(e.detail?.offset).toBeLessThanOrEqual(text.length);
      expect(['InvalidHTTPHeader', 'H1Error']).toContain(e.kind);
      expect(e.downstreamStatus()).toBe(400);
    });
  }

  it('reports the offset of the offending byte', () => {
    expect(rejectRequest('GET / HTTP/1.1\r\nHost : a\r\n\r\n').detail?.offset).toBe(20);
    expect(rejectRequest('GET / HTTP/1.1\r\nHost: a\0\r\n\r\n').detail?.offset).toBe(23);
  });

  it('parses pipelined requests in place from a start index, offsets counted from it', () => {
    const wire = Buffer.from(
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPURGE /b HTTP/1.1\r\nHost: y\r\nX-Odd: 1\r\n\r\n',
      'latin1',
    );
    const p = new RequestHeadParser();
    const first = p.push(wire, 0);
    expect(first?.consumed).toBe(28);
    const second = p.push(wire, 28);
    expect(second?.consumed).toBe(wire.length - 28);
    expect(second?.head.method).toBe('PURGE');
    expect(second?.head.rawTarget).toBe('/b');
    expect([...(second?.head.headers ?? [])]).toEqual([
      ['Host', 'y'],
      ['X-Odd', '1'],
    ]);
    // An error's offset counts from the head's first byte, not from the chunk's.
    const bad = Buffer.from('junkGET / HTTP/1.1\r\nHost : a\r\n\r\n', 'latin1');
    let thrown: unknown;
    try {
      new RequestHeadParser().push(bad, 4);
    } catch (e) {
      thrown = e;
    }
    expect((thrown as PingoraError).detail?.offset).toBe(20);
    expect(() => new RequestHeadParser().push(wire, wire.length + 1)).toThrow(RangeError);
    expect(new RequestHeadParser().push(wire, wire.length)).toBeNull();
  });

  it('gives every head field arrays of its own, a head without fields too', () => {
    const p = new RequestHeadParser();
    const bare = p.push(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
    expect(bare?.head.headers.size).toBe(0);
    bare?.head.headers.append('X-Added', '1');
    const next = p.push(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
    expect(next?.head.headers.size).toBe(0);
    expect(
      new ResponseHeadParser().push(Buffer.from('HTTP/1.1 204 \r\n\r\n'))?.head.headers.size,
    ).toBe(0);
    // Fields added to a parsed map go after the parsed ones, and the next head starts afresh.
    const one = p.push(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
    one?.head.headers.append('X-Added', '2');
    expect([...(one?.head.headers ?? [])]).toEqual([
      ['Host', 'a'],
      ['X-Added', '2'],
    ]);
    const two = p.push(Buffer.from('GET / HTTP/1.1\r\nHost: b\r\n\r\n'));
    expect([...(two?.head.headers ?? [])]).toEqual([['Host', 'b']]);
  });

  it('keeps every name as sent, small heads (strings made from bytes) and large alike', () => {
    const p = new RequestHeadParser();
    const names = ['Host', 'HOST', 'host', 'hOst', 'Accept', 'ACCEPT', 'X-Id', 'Content-Type'];
    for (const name of names) {
      const small = p.push(Buffer.from(`GET /a HTTP/1.0\r\n${name}: v\r\n\r\n`, 'latin1'));
      expect(small?.head.headers.names).toEqual([name]);
      const padding = 'x'.repeat(80);
      const large = p.push(
        Buffer.from(`GET /a HTTP/1.0\r\n${name}: v\r\nX-Padding: ${padding}\r\n\r\n`, 'latin1'),
      );
      expect(large?.head.headers.names).toEqual([name, 'X-Padding']);
    }
    // Every byte value a field value may hold, at every length a small head makes from bytes.
    const bytes = [0x20, 0x21, 0x7e, 0x80, 0xe9, 0xff];
    for (let length = 1; length <= 14; length++) {
      const value = Array.from({ length }, (_, i) =>
        String.fromCharCode(bytes[i % bytes.length] as number),
      )
        .join('')
        .replace(/^ +| +$/g, 'v');
      const r = p.push(Buffer.from(`GET /a HTTP/1.0\r\nX: ${value}\r\n\r\n`, 'latin1'));
      expect(r?.head.headers.get('x')).toBe(value);
    }
  });

  it('enforces the limits with 431 and 414 kinds', () => {
    const long = `GET /${'a'.repeat(100)} HTTP/1.1\r\nHost: a\r\n\r\n`;
    const e1 = rejectRequest(long, { maxRequestLineLength: 50 });
    expect(e1.kind).toBe('UriTooLong');
    expect(e1.downstreamStatus()).toBe(414);
    const many = `GET / HTTP/1.1\r\nHost: a\r\n${'X: 1\r\n'.repeat(5)}\r\n`;
    expect(rejectRequest(many, { maxHeaders: 5 }).kind).toBe('HeaderTooLarge');
    const big = `GET / HTTP/1.1\r\nHost: a\r\nX: ${'b'.repeat(200)}\r\n\r\n`;
    const e3 = rejectRequest(big, { maxHeadSize: 100 });
    expect(e3.kind).toBe('HeaderTooLarge');
    expect(e3.downstreamStatus()).toBe(431);
    // Split in one-byte chunks, the limit trips before the head ends.
    const p = new RequestHeadParser({ maxHeadSize: 100 });
    let thrown: unknown;
    let fed = 0;
    try {
      for (; fed < big.length; fed++) p.push(Buffer.from(big[fed] as string, 'latin1'));
    } catch (e) {
      thrown = e;
    }
    expect((thrown as PingoraError).kind).toBe('HeaderTooLarge');
    expect(fed).toBeLessThan(110);
  });

  it('refuses data after Connection: close', () => {
    const p = new RequestHeadParser();
    expect(
      p.push(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'))?.keepAlive,
    ).toBe(false);
    expect(() => p.push(Buffer.from('GET'))).toThrow(PingoraError);
  });
});

describe('ResponseHeadParser', () => {
  it('frames response bodies by status and request method (RFC 9112 6.3)', () => {
    const frame = (s: string, m?: string): string | undefined =>
      new ResponseHeadParser().push(Buffer.from(s), m)?.body.kind;
    expect(frame('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', 'HEAD')).toBe('none');
    expect(frame('HTTP/1.1 204 No Content\r\n\r\n')).toBe('none');
    expect(frame('HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n')).toBe('none');
    expect(frame('HTTP/1.1 100 Continue\r\n\r\n')).toBe('none');
    expect(frame('HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\n\r\n')).toBe('upgrade');
    expect(frame('HTTP/1.1 200 OK\r\n\r\n', 'CONNECT')).toBe('upgrade');
    expect(frame('HTTP/1.1 200 OK\r\n\r\n')).toBe('close');
    expect(frame('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n')).toBe('close');
    expect(frame('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')).toBe('chunked');
    expect(frame('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n')).toBe('length');
  });

  it('accepts bare LF and obs-fold only when switched on', () => {
    const text = 'HTTP/1.1 200 OK\nX: a\n  b\nContent-Length: 0\n\n';
    expect(rejectResponse(text).detail?.rule).toMatch(/^RFC 9112/);
    const r = new ResponseHeadParser({ lenientLineEnds: true, lenientObsFold: true }).push(
      Buffer.from(text),
    );
    expect([...(r?.head.headers ?? [])]).toEqual([
      ['X', 'a b'],
      ['Content-Length', '0'],
    ]);
    // Lenient switches never apply to requests.
    expect(
      rejectRequest('GET / HTTP/1.1\r\nHost: a\n\r\n', { lenientLineEnds: true }).detail?.rule,
    ).toBe('RFC 9112 2.2: bare LF (line ends are CRLF)');
  });

  it('parses status lines without a reason', () => {
    const r = new ResponseHeadParser().push(Buffer.from('HTTP/1.0 404\r\n\r\n'));
    expect(r?.head.status).toBe(404);
    expect(r?.head.reason).toBe('');
    expect(r?.head.version).toBe('HTTP/1.0');
    expect(r?.keepAlive).toBe(false);
  });
});
