import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { POINTS_PER_WEIGHT } from '../src/index.js';
import { splitServerName, writeServerPoints } from '../src/server-points.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('splitServerName', () => {
  it.each([
    ['127.0.0.1:8080', '127.0.0.1', '8080'],
    ['example.com:80', 'example.com', '80'],
    ['[::1]:7777', '[::1]', '7777'],
    ['example.com', 'example.com', ''],
    ['[::1]', '[::1]', ''],
    ['host:', 'host', ''],
    ['a:1:2', 'a:1', '2'],
    ['host:8x', 'host:8x', ''],
    ['unix:/run/app.sock', '/run/app.sock', ''],
    ['UNIX:/tmp/s:80', '/tmp/s:80', ''],
  ])('splits %s as nginx does', (name, host, port) => {
    const parts = splitServerName(name);
    expect(text(parts.host)).toBe(host);
    expect(text(parts.port)).toBe(port);
  });
});

describe('writeServerPoints', () => {
  it('chains crc32(HOST \\0 PORT PREV_HASH) with the previous hash little-endian', () => {
    const out = new Uint32Array(2 * POINTS_PER_WEIGHT);
    expect(writeServerPoints('10.0.0.1:443', 2, out, 0)).toBe(320);
    let prev = 0;
    for (let j = 0; j < 320; j++) {
      const le = Buffer.alloc(4);
      le.writeUInt32LE(prev);
      const expected = zlibCrc32(Buffer.concat([Buffer.from('10.0.0.1\u0000443'), le]));
      expect(out[j]).toBe(expected);
      prev = expected;
    }
  });

  it('writes from the offset and leaves the rest alone', () => {
    const out = new Uint32Array(POINTS_PER_WEIGHT + 3);
    expect(writeServerPoints('a', 1, out, 3)).toBe(POINTS_PER_WEIGHT + 3);
    expect([...out.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect(out[3]).toBe(zlibCrc32(Buffer.from('a\0\0\0\0\0', 'latin1')));
  });
});
