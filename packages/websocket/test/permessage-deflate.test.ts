import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptDeflateOffer,
  DeflateCodec,
  type DeflateParams,
  deflateOffer,
  parseExtensions,
  readDeflateResponse,
} from '../src/index.js';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

function offers(header: string) {
  const parsed = parseExtensions([header]);
  if (parsed === null) throw new Error(`unparsable: ${header}`);
  return parsed;
}

function params(p: Partial<DeflateParams> = {}): DeflateParams {
  return {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
    ...p,
  };
}

/** The reference inflater: zlib, over the whole sequence of messages as one raw stream. */
function zlibInflate(messages: Buffer[], windowBits = 15): Buffer {
  const stream = Buffer.concat(messages.flatMap((m) => [m, TAIL]));
  return zlib.inflateRawSync(stream, { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

// Compressible and incompressible payloads, small and past fflate's 64 KiB push size.
const payload = fc.oneof(
  fc.string({ maxLength: 2000 }).map((s) => Buffer.from(s.repeat(3))),
  fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
  fc.integer({ min: 60_000, max: 140_000 }).map((n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE((i * 2654435761) >>> 0, i);
    return b;
  }),
);

describe('permessage-deflate negotiation (RFC 7692 7.1)', () => {
  it('accepts the first valid offer and answers its parameters', () => {
    const r = acceptDeflateOffer(
      offers(
        'permessage-deflate; server_max_window_bits=16, permessage-deflate; client_max_window_bits; server_no_context_takeover',
      ),
      {},
    );
    expect(r?.response).toBe('permessage-deflate; server_no_context_takeover');
    expect(r?.params).toEqual(params({ serverNoContextTakeover: true }));
  });

  it('limits the client window only when the client offered client_max_window_bits', () => {
    expect(
      acceptDeflateOffer(offers('permessage-deflate'), { clientMaxWindowBits: 10 })?.response,
    ).toBe('permessage-deflate');
    const r = acceptDeflateOffer(offers('permessage-deflate; client_max_window_bits'), {
      clientMaxWindowBits: 10,
    });
    expect(r?.response).toBe('permessage-deflate; client_max_window_bits=10');
    expect(r?.params.clientMaxWindowBits).toBe(10);
  });

  it('honours server_max_window_bits and client_no_context_takeover', () => {
    const r = acceptDeflateOffer(
      offers('permessage-deflate; server_max_window_bits=9; client_no_context_takeover'),
      {},
    );
    expect(r?.response).toBe(
      'permessage-deflate; client_no_context_takeover; server_max_window_bits=9',
    );
    expect(r?.params).toEqual(params({ clientNoContextTakeover: true, serverMaxWindowBits: 9 }));
  });

  it('declines offers with unknown, repeated or invalid parameters', () => {
    for (const bad of [
      'permessage-deflate; foo',
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      'permessage-deflate; server_max_window_bits=7',
      'permessage-deflate; server_max_window_bits',
      'permessage-deflate; client_max_window_bits=abc',
      'x-webkit-deflate-frame',
    ]) {
      expect(acceptDeflateOffer(offers(bad), {}), bad).toBeNull();
    }
  });

  it('checks the server response against the offer on the client', () => {
    expect(deflateOffer({})).toBe('permessage-deflate; client_max_window_bits');
    expect(deflateOffer({ serverNoContextTakeover: true, serverMaxWindowBits: 10 })).toBe(
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits',
    );
    const ok = readDeflateResponse(offers('permessage-deflate; client_max_window_bits=9')[0]!, {});
    expect(ok).toEqual(params({ clientMaxWindowBits: 9 }));
    expect(
      readDeflateResponse(offers('permessage-deflate')[0]!, { serverNoContextTakeover: true }),
    ).toMatch(/server_no_context_takeover/);
    expect(
      readDeflateResponse(offers('permessage-deflate; server_max_window_bits=12')[0]!, {
        serverMaxWindowBits: 10,
      }),
    ).toMatch(/server_max_window_bits/);
    expect(readDeflateResponse(offers('permessage-deflate; bogus=1')[0]!, {})).toMatch(/unknown/);
  });
});

describe('DeflateCodec', () => {
  it('compresses a sequence of messages into one stream zlib inflates (context takeover)', () => {
    fc.assert(
      fc.property(
        fc.array(payload, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 9 }),
        (messages, level) => {
          const codec = new DeflateCodec('server', params(), { level }, 1 << 30);
          const compressed = messages.map((m) => codec.compress(m));
          expect(zlibInflate(compressed).equals(Buffer.concat(messages))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('never reaches further back than the agreed window, nor into earlier messages without takeover', () => {
    fc.assert(
      fc.property(
        fc.array(payload, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 9, max: 15 }),
        (messages, bits) => {
          const codec = new DeflateCodec(
            'client',
            params({ clientMaxWindowBits: bits, clientNoContextTakeover: true }),
            {},
            1 << 30,
          );
          for (const m of messages) {
            // Each message alone, with zlib's window set to the agreed size, must inflate.
            expect(zlibInflate([codec.compress(m)], bits).equals(m)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('inflates what zlib compresses with a sync flush, with and without takeover', () => {
    fc.assert(
      fc.property(
        fc.array(payload, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (messages, noTakeover) => {
          const codec = new DeflateCodec(
            'server',
            params({ clientNoContextTakeover: noTakeover }),
            {},
            1 << 30,
          );
          for (const m of messages) {
            // Each message compressed alone with a sync flush is valid whether or not the
            // inflater keeps its context (a sender may always choose not to refer back).
            const z = zlib.deflateRawSync(m, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
            expect(z.subarray(-4).equals(TAIL)).toBe(true);
            codec.beginMessage();
            expect(codec.push(z.subarray(0, z.length - 4))).toBe(true);
            expect(codec.endMessage()?.equals(m)).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('inflates a stream of messages that refer back to earlier ones (context takeover)', () => {
    fc.assert(
      fc.property(fc.array(payload, { minLength: 1, maxLength: 5 }), (messages) => {
        const sender = new DeflateCodec(
          'server',
          params(),
          { compressor: 'fflate', threshold: 0 },
          1 << 30,
        );
        const receiver = new DeflateCodec('client', params(), {}, 1 << 30);
        for (const m of messages) {
          receiver.beginMessage();
          expect(receiver.push(sender.compress(m))).toBe(true);
          expect(receiver.endMessage()?.equals(m)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('compresses with a 256-byte window (8 bits, which zlib cannot) and stays inflatable', () => {
    const codec = new DeflateCodec('server', params({ serverMaxWindowBits: 8 }), {}, 1 << 30);
    const data = Buffer.from('abcdefgh'.repeat(500));
    const z = codec.compress(data);
    expect(z.length).toBeLessThan(data.length);
    expect(zlibInflate([z], 9).equals(data)).toBe(true);
  });

  it('returns null past the message limit', () => {
    const client = new DeflateCodec('client', params(), { threshold: 0 }, 1 << 30);
    const server = new DeflateCodec('server', params(), {}, 1000);
    server.beginMessage();
    const ok = server.push(client.compress(Buffer.alloc(5000)));
    expect(ok && server.endMessage()).toBeFalsy();
  });
});
