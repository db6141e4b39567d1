import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeflateCodec,
  type DeflateParams,
  encodeFrame,
  MessageReader,
  type MessageSink,
  OPCODES,
} from '../src/index.js';

type Event =
  | { kind: 'message'; data: string; isBinary: boolean }
  | { kind: 'ping' | 'pong'; data: string }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'error'; code: number };

class RecordingSink implements MessageSink {
  readonly events: Event[] = [];
  onMessage(data: Buffer, isBinary: boolean): void {
    this.events.push({ kind: 'message', data: data.toString('hex'), isBinary });
  }
  onPing(data: Buffer): void {
    this.events.push({ kind: 'ping', data: data.toString('hex') });
  }
  onPong(data: Buffer): void {
    this.events.push({ kind: 'pong', data: data.toString('hex') });
  }
  onClose(code: number, reason: string): void {
    this.events.push({ kind: 'close', code, reason });
  }
  onProtocolError(code: number): void {
    this.events.push({ kind: 'error', code });
  }
}

const LIMITS = { maxFrameBytes: 1 << 20, maxMessageBytes: 1 << 20 };

function read(bytes: Buffer, cuts: number[] = [], isServer = true, codec?: DeflateCodec): Event[] {
  const sink = new RecordingSink();
  const reader = new MessageReader(isServer, sink, LIMITS, codec);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, bytes.length]) {
    reader.push(bytes.subarray(from, to));
    from = to;
  }
  return sink.events;
}

/** A message as the model sees it: payload, type, how it is cut into fragments, pings between. */
interface ModelMessage {
  payload: { bytes: Buffer; isBinary: boolean };
  cuts: number[];
  pingAfter: boolean[];
}
const messageArb: fc.Arbitrary<ModelMessage> = fc.record({
  payload: fc.oneof(
    fc
      .string({ unit: 'binary', maxLength: 300 })
      .map((s) => ({ bytes: Buffer.from(s), isBinary: false })),
    fc.uint8Array({ maxLength: 70_000 }).map((b) => ({ bytes: Buffer.from(b), isBinary: true })),
  ),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  pingAfter: fc.array(fc.boolean(), { maxLength: 5 }),
});

/** Frames of one message: fragments at `cuts`, a ping after fragment i when pingAfter[i]. */
function frames(m: ModelMessage, isMasked: boolean, expected: Event[]): Buffer[] {
  const { bytes, isBinary } = m.payload;
  const points = [...new Set(m.cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const to of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, to));
    from = to;
  }
  const out: Buffer[] = [];
  pieces.forEach((piece, i) => {
    const opcode = i === 0 ? (isBinary ? OPCODES.BINARY : OPCODES.TEXT) : OPCODES.CONTINUATION;
    out.push(encodeFrame(opcode, piece, i === pieces.length - 1, false, isMasked));
    if (m.pingAfter[i] && i < pieces.length - 1) {
      // RFC 6455 5.4: control frames may come between the fragments of a message.
      const data = Buffer.from([i]);
      out.push(encodeFrame(OPCODES.PING, data, true, false, isMasked));
      expected.push({ kind: 'ping', data: data.toString('hex') });
    }
  });
  expected.push({ kind: 'message', data: bytes.toString('hex'), isBinary });
  return out;
}

describe('MessageReader', () => {
  it('reads back any sequence of (fragmented) messages, however the bytes are cut', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        (messages, cuts, isServer) => {
          const expected: Event[] = [];
          const wire = Buffer.concat(messages.flatMap((m) => frames(m, isServer, expected)));
          expect(read(wire, cuts, isServer)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads 7-, 16- and 64-bit lengths', () => {
    for (const size of [0, 125, 126, 65_535, 65_536, 200_000]) {
      const payload = Buffer.alloc(size, 7);
      const events = read(encodeFrame(OPCODES.BINARY, payload, true, false, true));
      expect(events).toEqual([{ kind: 'message', data: payload.toString('hex'), isBinary: true }]);
    }
  });

  it('reports close frames with their code and reason, and 1005 without a code', () => {
    const close = Buffer.from([0x03, 0xe8, ...Buffer.from('bye')]);
    expect(read(encodeFrame(OPCODES.CLOSE, close, true, false, true))).toEqual([
      { kind: 'close', code: 1000, reason: 'bye' },
    ]);
    expect(read(encodeFrame(OPCODES.CLOSE, Buffer.alloc(0), true, false, true))).toEqual([
      { kind: 'close', code: 1005, reason: '' },
    ]);
  });

  const m = (opcode: number, payload: Buffer | number[], fin = true, rsv1 = false, masked = true) =>
    encodeFrame(opcode, Buffer.from(payload), fin, rsv1, masked);
  const cases: Array<[string, Buffer, number]> = [
    ['RSV2 set', Buffer.from([0xa1, 0x80, 0, 0, 0, 0]), 1002],
    ['RSV1 without an extension', m(OPCODES.TEXT, [0x61], true, true), 1002],
    ['reserved data opcode 3', m(3, []), 1002],
    ['reserved control opcode 0xB', m(0xb, []), 1002],
    ['unmasked frame from a client', m(OPCODES.TEXT, [0x61], true, false, false), 1002],
    ['fragmented ping', m(OPCODES.PING, [], false), 1002],
    ['ping over 125 bytes', m(OPCODES.PING, Buffer.alloc(126)), 1002],
    ['continuation first', m(OPCODES.CONTINUATION, [0x61]), 1002],
    [
      'new message inside a fragmented one',
      Buffer.concat([m(OPCODES.TEXT, [0x61], false), m(OPCODES.TEXT, [0x62])]),
      1002,
    ],
    ['close with 1 byte', m(OPCODES.CLOSE, [0x03]), 1002],
    ['close code 1005 on the wire', m(OPCODES.CLOSE, [0x03, 0xed]), 1002],
    ['close code 999', m(OPCODES.CLOSE, [0x03, 0xe7]), 1002],
    ['close code 2000', m(OPCODES.CLOSE, [0x07, 0xd0]), 1002],
    ['close reason not UTF-8', m(OPCODES.CLOSE, [0x03, 0xe8, 0xff]), 1007],
    ['text not UTF-8', m(OPCODES.TEXT, [0xc0, 0xaf]), 1007],
    [
      'fragmented text not UTF-8',
      Buffer.concat([m(OPCODES.TEXT, [0xce], false), m(OPCODES.CONTINUATION, [0x41])]),
      1007,
    ],
    [
      '64-bit length with the top bit set',
      Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]),
      1002,
    ],
    [
      'frame over the limit',
      Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 0x20, 0, 0, 1, 2, 3, 4]),
      1009,
    ],
    [
      'message over the limit',
      Buffer.concat([
        m(OPCODES.BINARY, Buffer.alloc(700_000), false),
        m(OPCODES.CONTINUATION, Buffer.alloc(700_000)),
      ]),
      1009,
    ],
  ];
  for (const [name, wire, code] of cases) {
    it(`closes with ${code} on: ${name}`, () => {
      const events = read(wire);
      expect(events.at(-1)).toEqual({ kind: 'error', code });
      expect(events.filter((e) => e.kind === 'error')).toHaveLength(1);
    });
  }

  it('fails a client reader on a masked frame from the server', () => {
    expect(read(m(OPCODES.TEXT, [0x61]), [], false)).toEqual([{ kind: 'error', code: 1002 }]);
  });

  it('never throws on random bytes, and stops at its first error with a protocol close code', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.boolean(),
        (bytes, cuts, isServer) => {
          const events = read(Buffer.from(bytes), cuts, isServer);
          const stops = events.findIndex((e) => e.kind === 'error' || e.kind === 'close');
          // Nothing after a close or an error.
          if (stops >= 0) expect(stops).toBe(events.length - 1);
          for (const e of events)
            if (e.kind === 'error') expect([1002, 1007, 1009]).toContain(e.code);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never throws on mutated valid frames, compressed or not', () => {
    const params: DeflateParams = {
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    };
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.boolean(),
        (messages, edits, isCompressed) => {
          const client = new DeflateCodec('client', params, { threshold: 0 }, 1 << 20);
          const wire = Buffer.concat(
            messages.map((msg) => {
              const { bytes, isBinary } = msg.payload;
              const opcode = isBinary ? OPCODES.BINARY : OPCODES.TEXT;
              return isCompressed
                ? encodeFrame(opcode, client.compress(bytes), true, true, true)
                : encodeFrame(opcode, bytes, true, false, true);
            }),
          );
          for (const [at, value] of edits) wire[at % wire.length] = value;
          const codec = new DeflateCodec('server', params, {}, 1 << 20);
          const events = read(wire, [], true, codec);
          for (const e of events)
            if (e.kind === 'error') expect([1002, 1007, 1009]).toContain(e.code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('inflates compressed messages across fragments with context takeover', () => {
    const params: DeflateParams = {
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    };
    const client = new DeflateCodec('client', params, { threshold: 0 }, 1 << 20);
    const server = new DeflateCodec('server', params, {}, 1 << 20);
    const texts = ['hello hello hello', 'hello hello hello again', 'ünïcödé ✓ 🎉'.repeat(50)];
    const wire: Buffer[] = [];
    for (const t of texts) {
      const z = client.compress(Buffer.from(t));
      const half = z.length >> 1;
      wire.push(encodeFrame(OPCODES.TEXT, z.subarray(0, half), false, true, true));
      wire.push(encodeFrame(OPCODES.PING, Buffer.alloc(0), true, false, true));
      wire.push(encodeFrame(OPCODES.CONTINUATION, z.subarray(half), true, false, true));
    }
    const events = read(Buffer.concat(wire), [3, 17, 40], true, server).filter(
      (e) => e.kind === 'message',
    );
    expect(
      events.map((e) => (e.kind === 'message' ? Buffer.from(e.data, 'hex').toString() : '')),
    ).toEqual(texts);
  });

  it('closes with 1009 when a small compressed frame inflates past the message limit', () => {
    const params: DeflateParams = {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    };
    const client = new DeflateCodec('client', params, { threshold: 0, level: 9 }, 1 << 30);
    const bomb = client.compress(Buffer.alloc(4 << 20)); // 4 MiB of zeros: a few KiB compressed
    expect(bomb.length).toBeLessThan(10_000);
    const server = new DeflateCodec('server', params, {}, 1 << 20);
    const events = read(encodeFrame(OPCODES.BINARY, bomb, true, true, true), [], true, server);
    expect(events).toEqual([{ kind: 'error', code: 1009 }]);
  });

  it('closes with 1007 on data that is not DEFLATE', () => {
    const params: DeflateParams = {
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    };
    const server = new DeflateCodec('server', params, {}, 1 << 20);
    const events = read(
      encodeFrame(OPCODES.BINARY, Buffer.from([0xff, 0xff, 0xff]), true, true, true),
      [],
      true,
      server,
    );
    expect(events).toEqual([{ kind: 'error', code: 1007 }]);
  });
});
