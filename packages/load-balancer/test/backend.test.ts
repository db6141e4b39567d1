import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backend } from '../src/index.js';

describe('Backend', () => {
  it('parses host:port and [v6]:port into a canonical addr', () => {
    const v4 = Backend.parse('127.0.0.1:8080');
    expect([v4.host, v4.port, v4.weight, v4.addr]).toEqual([
      '127.0.0.1',
      8080,
      1,
      '127.0.0.1:8080',
    ]);
    const v6 = Backend.parse('[::1]:443', 3, { zone: 'a' });
    expect([v6.host, v6.port, v6.weight, v6.addr]).toEqual(['::1', 443, 3, '[::1]:443']);
    expect(v6.metadata).toEqual({ zone: 'a' });
    expect(Object.isFrozen(v6.metadata)).toBe(true);
    expect(new Backend('::1', 80).addr).toBe('[::1]:80');
    expect(new Backend('[::1]', 80).host).toBe('::1');
    expect(String(Backend.parse('example.com:80'))).toBe('example.com:80');
  });

  it('rejects addresses without a port, bad ports and bad weights', () => {
    expect(() => Backend.parse('127.0.0.1')).toThrow(TypeError);
    expect(() => Backend.parse('::1')).toThrow(TypeError);
    expect(() => Backend.parse('[::1]80')).toThrow(TypeError);
    expect(() => Backend.parse('a:0')).toThrow(RangeError);
    expect(() => Backend.parse('a:65536')).toThrow(RangeError);
    expect(() => Backend.parse('a:8x')).toThrow(RangeError);
    expect(() => Backend.parse(':80')).toThrow(TypeError);
    expect(() => Backend.parse('a:80', 0)).toThrow(RangeError);
    expect(() => Backend.parse('a:80', 1.5)).toThrow(RangeError);
    expect(() => Backend.parse('a:80', 10_001)).toThrow(RangeError);
  });

  it('equals compares address, weight and metadata', () => {
    const a = Backend.parse('h:1', 2, { tags: ['x'] });
    expect(a.equals(Backend.parse('h:1', 2, { tags: ['x'] }))).toBe(true);
    expect(a.equals(Backend.parse('h:1', 3, { tags: ['x'] }))).toBe(false);
    expect(a.equals(Backend.parse('h:1', 2, { tags: ['y'] }))).toBe(false);
    expect(a.equals(Backend.parse('h:1', 2))).toBe(false);
    expect(a.equals(Backend.parse('h:2', 2, { tags: ['x'] }))).toBe(false);
  });

  it('round-trips every valid IPv4 host and port through addr', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65_535 }), (ip, port) => {
        const b = Backend.parse(`${ip}:${port}`);
        expect(Backend.parse(b.addr).equals(b)).toBe(true);
        expect([b.host, b.port]).toEqual([ip, port]);
      }),
    );
  });

  it('round-trips IPv6 hosts through addr', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 1, max: 65_535 }), (ip, port) => {
        const b = new Backend(ip, port);
        expect(b.addr).toBe(`[${ip}]:${port}`);
        expect(Backend.parse(b.addr).equals(b)).toBe(true);
      }),
    );
  });
});
