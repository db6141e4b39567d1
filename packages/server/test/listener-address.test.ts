import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from '../src/index.js';

describe('parseHostPort', () => {
  it('splits IPv4, IPv6 and names', () => {
    expect(parseHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort('[::1]:443')).toEqual({ host: '::1', port: 443 });
    expect(parseHostPort('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });

  it('explains what is wrong', () => {
    expect(parseHostPort('8080')).toBe('"8080" is not host:port');
    expect(parseHostPort('[::1]8080')).toBe('"[::1]8080" is not [ipv6]:port');
    expect(parseHostPort('[zz]:1')).toBe('"zz" is not an IPv6 address');
    expect(parseHostPort('a:b')).toBe('port "b" is not a number');
    expect(parseHostPort('a:65536')).toBe('port 65536 is out of range 0..65535');
  });

  it('round-trips with formatHostPort (property)', () => {
    const host = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain());
    fc.assert(
      fc.property(host, fc.integer({ min: 0, max: 65535 }), (h, port) => {
        expect(parseHostPort(formatHostPort(h, port))).toEqual({ host: h, port });
      }),
    );
  });
});
