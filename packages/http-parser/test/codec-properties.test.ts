// Property tests: serialise then parse gives back the head; any split of valid input parses
// the same; random and mutated bytes never throw anything but a PingoraError.
import { PingoraError } from '@pingora-ts/error';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BodyDecoder,
  CHUNKED_BODY,
  encodeChunk,
  encodeLastChunk,
  encodeRequestHead,
  encodeResponseHead,
  HeaderMap,
  RequestHeader,
  RequestHeadParser,
  ResponseHeader,
  ResponseHeadParser,
} from '../src/index.js';
import { parseStream, splitEvery } from './message-stream.js';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 });
const visible = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const valueChar = fc.oneof(
  { weight: 8, arbitrary: visible },
  { weight: 1, arbitrary: fc.constantFrom(' ', '\t') },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
);
const fieldValue = fc
  .string({ unit: valueChar, maxLength: 20 })
  .map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));
const framingFree = token.filter(
  (n) => !/^(content-length|transfer-encoding|host|connection|upgrade)$/i.test(n),
);
const fields = fc.array(fc.tuple(framingFree, fieldValue), { maxLength: 12 });
const target = fc.string({ unit: visible, minLength: 1, maxLength: 30 });

const requestHead = fc
  .record({
    method: token,
    target,
    version: fc.constantFrom('HTTP/1.0' as const, 'HTTP/1.1' as const),
    fields,
  })
  .filter((r) => r.method !== 'CONNECT')
  .map(
    ({ method, target, version, fields }) =>
      new RequestHeader(method, target, version, new HeaderMap([['Host', 'h.example'], ...fields])),
  );
const responseHead = fc
  .record({
    status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
    reason: fc.string({ unit: valueChar, maxLength: 20 }),
    version: fc.constantFrom('HTTP/1.0' as const, 'HTTP/1.1' as const),
    fields,
  })
  .map(
    ({ status, reason, version, fields }) =>
      new ResponseHeader(
        status,
        reason,
        version,
        new HeaderMap([...fields, ['Content-Length', '0']]),
      ),
  );

function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

describe('codec properties', () => {
  it('parse(serialise(request head)) == head, whatever the split', () => {
    fc.assert(
      fc.property(requestHead, fc.array(fc.nat(), { maxLength: 6 }), (head, cuts) => {
        const wire = encodeRequestHead(head);
        const parser = new RequestHeadParser();
        let parsed = null;
        let used = 0;
        for (const piece of chunksOf(wire, cuts)) {
          if (parsed !== null) {
            expect(piece.length).toBe(0);
            continue;
          }
          parsed = parser.push(piece);
          used += parsed === null ? piece.length : parsed.consumed;
        }
        expect(parsed).not.toBeNull();
        expect(used).toBe(wire.length);
        expect(parsed?.head.method).toBe(head.method);
        expect(parsed?.head.rawTarget).toBe(head.rawTarget);
        expect(parsed?.head.version).toBe(head.version);
        expect([...(parsed?.head.headers ?? [])]).toEqual([...head.headers]);
        expect(encodeRequestHead(parsed?.head as RequestHeader).equals(wire)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('parsers fed in turns, one failing on the way, each parse as if alone', () => {
    // Parsers share scratch space between scans: interleaving them (as connections do) and a
    // scan that throws half-way must not leak one head's fields into another's.
    fc.assert(
      fc.property(
        fc.array(requestHead, { minLength: 2, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.nat(),
        (heads, cuts, bad) => {
          const wires = heads.map((h) => encodeRequestHead(h));
          const pieces = wires.map((w) => chunksOf(w, cuts));
          const parsers = heads.map(() => new RequestHeadParser());
          const results: (ReturnType<RequestHeadParser['push']> | undefined)[] = heads.map(
            () => undefined,
          );
          // A parser that meets a NUL in a field value after a field or two, between turns.
          const failing = new RequestHeadParser();
          const poison = Buffer.from(
            `GET /x HTTP/1.1\r\nHost: a\r\nX-${bad % 97}: ab\u0000c\r\n\r\n`,
            'latin1',
          );
          const longest = Math.max(...pieces.map((p) => p.length));
          for (let turn = 0; turn < longest; turn++) {
            if (turn === 1) expect(() => failing.push(poison)).toThrow(PingoraError);
            for (let i = 0; i < heads.length; i++) {
              const piece = pieces[i]?.[turn];
              if (piece === undefined || results[i]) continue;
              results[i] = parsers[i]?.push(piece) ?? undefined;
            }
          }
          heads.forEach((head, i) => {
            const parsed = results[i];
            expect(parsed?.head.rawTarget).toBe(head.rawTarget);
            expect([...(parsed?.head.headers ?? [])]).toEqual([...head.headers]);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('push(chunk, start) parses as push(chunk.subarray(start)), whatever precedes start', () => {
    fc.assert(
      fc.property(
        requestHead,
        fc.uint8Array({ maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (head, junk, cuts) => {
          const wire = encodeRequestHead(head);
          const inPlace = new RequestHeadParser();
          const sliced = new RequestHeadParser();
          let a = null;
          let b = null;
          for (const piece of chunksOf(wire, cuts)) {
            if (a !== null) break;
            // The piece sits after unrelated bytes in a bigger buffer.
            const buf = Buffer.concat([junk, piece]);
            a = inPlace.push(buf, junk.length);
            b = sliced.push(piece);
            expect(a === null).toBe(b === null);
          }
          expect(a).not.toBeNull();
          expect(a?.consumed).toBe(b?.consumed);
          expect(a?.head).toEqual(b?.head);
          expect(a?.body).toEqual(b?.body);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts a long field value or target exactly when each byte is allowed, at any alignment', () => {
    // Long runs are checked four bytes at a time: compare with the byte rule (RFC 9110 5.5
    // field-value: SP, HTAB, VCHAR, obs-text; RFC 9112 3.2 target: 0x21-0x7E).
    const isValueByte = (b: number) => b === 0x20 || b === 0x09 || (b >= 0x21 && b !== 0x7f);
    const isTargetByte = (b: number) => b >= 0x21 && b <= 0x7e;
    // CR, LF, and SP in a target, would change the message's structure rather than its validity.
    const plain = fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0a && b !== 0x0d);
    // Mostly valid bytes, so that a lone bad byte sits among good ones; edge bytes often.
    const edges = [0x00, 0x08, 0x09, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xff];
    const byteOf = (filler: number, avoid: number) =>
      fc.oneof(
        { arbitrary: fc.constant(filler), weight: 12 },
        { arbitrary: fc.constantFrom(...edges.filter((b) => b !== avoid)), weight: 1 },
        { arbitrary: plain.filter((b) => b !== avoid), weight: 1 },
      );
    const valueBytes = fc.array(byteOf(0x61, -1), { minLength: 1, maxLength: 90 });
    const targetBytes = fc.array(byteOf(0x2f, 0x20), { minLength: 1, maxLength: 90 });
    fc.assert(
      fc.property(valueBytes, targetBytes, fc.nat(7), (value, target, shift) => {
        const wire = Buffer.concat([
          Buffer.alloc(shift, 0x7f), // junk before `start`, so every alignment is tried
          Buffer.from('GET '),
          Buffer.from(target),
          Buffer.from(' HTTP/1.1\r\nHost: a\r\nX: '),
          Buffer.from(value),
          Buffer.from('\r\n\r\n'),
        ]);
        let parsed: ReturnType<RequestHeadParser['push']> = null;
        let error: unknown;
        try {
          parsed = new RequestHeadParser().push(wire, shift);
        } catch (e) {
          error = e;
        }
        const ok = value.every(isValueByte) && target.every(isTargetByte);
        if (!ok) {
          expect(error).toBeInstanceOf(PingoraError);
          return;
        }
        expect(error).toBeUndefined();
        expect(parsed?.head.rawTarget).toBe(Buffer.from(target).toString('latin1'));
        const text = Buffer.from(value)
          .toString('latin1')
          .replace(/^[ \t]+|[ \t]+$/g, '');
        expect(parsed?.head.headers.get('x')).toBe(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('encoded heads are exactly the wire text of a plain reference, byte for byte', () => {
    // The reference: the wire form as one string, each character one byte (latin1).
    const lines = (h: HeaderMap) => [...h].map(([n, v]) => `${n}: ${v}\r\n`).join('');
    const wire = (text: string) => Buffer.from(text, 'latin1');
    fc.assert(
      fc.property(
        requestHead,
        responseHead,
        fc.integer({ min: 100, max: 999 }),
        (req, res, status) => {
          const request = `${req.method} ${req.rawTarget} ${req.version}\r\n${lines(req.headers)}\r\n`;
          expect(encodeRequestHead(req).equals(wire(request))).toBe(true);
          res.status = status;
          const response = `${res.version} ${status} ${res.reason}\r\n${lines(res.headers)}\r\n`;
          expect(encodeResponseHead(res).equals(wire(response))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('encodeResponseHead(head, body) is the head then the body, in one Buffer', () => {
    fc.assert(
      fc.property(responseHead, fc.uint8Array({ maxLength: 300 }), (head, body) => {
        const both = encodeResponseHead(head, body);
        expect(both.equals(Buffer.concat([encodeResponseHead(head), body]))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('parse(serialise(response head)) == head, whatever the split', () => {
    fc.assert(
      fc.property(responseHead, fc.array(fc.nat(), { maxLength: 6 }), (head, cuts) => {
        const wire = encodeResponseHead(head);
        const r = parseStream('response', chunksOf(wire, cuts));
        expect(r.ok).toBe(true);
        const m = r.messages[0];
        expect(m?.status).toBe(head.status);
        expect(m?.reason).toBe(head.reason);
        expect(m?.version).toBe(head.version);
        expect(m?.headers).toEqual([...head.headers]);
      }),
      { numRuns: 500 },
    );
  });

  it('chunked bodies decode to the data, whatever the split, with trailers', () => {
    const body = fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 6 });
    fc.assert(
      fc.property(body, fields, fc.array(fc.nat(), { maxLength: 8 }), (pieces, trailers, cuts) => {
        const t = new HeaderMap(trailers);
        const wire = Buffer.concat([
          ...pieces.flatMap((p) => encodeChunk(p)),
          encodeLastChunk(trailers.length > 0 ? t : undefined),
          Buffer.from('NEXT'),
        ]);
        const d = new BodyDecoder(CHUNKED_BODY, 'response');
        const out: Uint8Array[] = [];
        let used = 0;
        for (const piece of chunksOf(wire, cuts)) {
          if (d.done) break;
          const r = d.push(piece);
          out.push(...r.data);
          used += r.consumed;
        }
        expect(d.done).toBe(true);
        expect(used).toBe(wire.length - 4);
        expect(Buffer.concat(out).equals(Buffer.concat(pieces))).toBe(true);
        expect([...(d.trailers ?? [])]).toEqual(trailers);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes only ever throw PingoraError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, isRequest) => {
        try {
          parseStream(isRequest ? 'request' : 'response', [Buffer.from(bytes)], undefined, true);
        } catch (e) {
          expect(e).toBeInstanceOf(PingoraError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid messages only ever throw PingoraError, and splits agree', () => {
    const base = Buffer.from(
      'POST /x?y HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nX: 1\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n',
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 1, max: 9 }),
        (edits, size) => {
          const b = Buffer.from(base);
          for (const [i, v] of edits) b[i] = v;
          const whole = parseStream('request', [b]);
          const split = parseStream('request', splitEvery(b, size));
          expect(split.ok).toBe(whole.ok);
          expect(split.messages).toEqual(whole.messages);
          if (!whole.ok) expect(split.error?.detail).toEqual(whole.error?.detail);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('parses the chunked responses this package encodes', () => {
    const head = new ResponseHeader(
      200,
      'OK',
      'HTTP/1.1',
      new HeaderMap([['Transfer-Encoding', 'chunked']]),
    );
    const wire = Buffer.concat([
      encodeResponseHead(head),
      ...encodeChunk(Buffer.from('abc')),
      encodeLastChunk(),
    ]);
    const p = new ResponseHeadParser().push(wire);
    expect(p?.body.kind).toBe('chunked');
  });
});
