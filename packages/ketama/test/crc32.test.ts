import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/index.js';

describe('crc32', () => {
  it('gives the CRC-32/ISO-HDLC check value and known vectors', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  });

  it('agrees with zlib on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32(bytes)).toBe(zlibCrc32(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes a string as its UTF-8 bytes, lone surrogates as U+FFFD', () => {
    const anyUnit = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 60,
    });
    fc.assert(
      fc.property(fc.oneof(anyUnit, fc.string({ unit: 'binary', maxLength: 60 })), (text) => {
        const bytes = Buffer.from(text, 'utf8');
        expect(crc32(text)).toBe(zlibCrc32(bytes));
        expect(crc32(text)).toBe(crc32(bytes));
      }),
      { numRuns: 500 },
    );
    expect(crc32('\ud800')).toBe(zlibCrc32(Buffer.from([0xef, 0xbf, 0xbd])));
    expect(crc32('😀x')).toBe(zlibCrc32(Buffer.from([0xf0, 0x9f, 0x98, 0x80, 0x78])));
  });

  it('handles runs of ASCII (four at a time) broken by multi-byte characters at any position', () => {
    const mostlyAscii = fc.string({
      unit: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
        },
        {
          weight: 1,
          arbitrary: fc.integer({ min: 0x80, max: 0xffff }).map((c) => String.fromCharCode(c)),
        },
        { weight: 1, arbitrary: fc.constantFrom('😀', '\udc00', '\ud800') },
      ),
      maxLength: 80,
    });
    fc.assert(
      fc.property(mostlyAscii, (text) => {
        expect(crc32(text)).toBe(zlibCrc32(Buffer.from(text, 'utf8')));
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts subarrays (views with an offset) as their own bytes', () => {
    const whole = new TextEncoder().encode('xx123456789yy');
    expect(crc32(whole.subarray(2, 11))).toBe(0xcbf43926);
    for (let start = 0; start < 6; start++) {
      expect(crc32(whole.subarray(start))).toBe(zlibCrc32(Buffer.from(whole.subarray(start))));
    }
  });
});
