import { describe, expect, it } from 'vitest';
import {
  ERROR_KINDS,
  type ErrorKind,
  isErrorKind,
  KIND_DEFAULTS,
  PingoraError,
} from '../src/index.js';

// The statuses DESIGN.md fixes, kind by kind and source by source: [upstream, downstream, internal].
const EXPECTED: Record<
  ErrorKind,
  [number, number | undefined, number, 'always' | 'never' | 'reused']
> = {
  ConnectTimedout: [504, 400, 500, 'always'],
  ConnectRefused: [502, 400, 500, 'always'],
  ConnectNoRoute: [502, 400, 500, 'always'],
  ConnectError: [502, 400, 500, 'always'],
  ConnectProxyFailure: [502, 400, 500, 'always'],
  BindError: [502, 500, 500, 'always'],
  AcceptError: [502, 500, 500, 'never'],
  SocketError: [502, undefined, 500, 'never'],
  TLSHandshakeFailure: [502, 400, 500, 'always'],
  TLSHandshakeTimedout: [504, 400, 500, 'always'],
  InvalidCert: [502, 400, 500, 'never'],
  HandshakeError: [502, 400, 500, 'always'],
  InvalidHTTPHeader: [502, 400, 500, 'never'],
  H1Error: [502, 400, 500, 'never'],
  H2Error: [502, 400, 500, 'never'],
  H2Downgrade: [502, 400, 500, 'never'],
  InvalidH2: [502, 400, 500, 'never'],
  HeaderTooLarge: [502, 431, 500, 'never'],
  UriTooLong: [502, 414, 500, 'never'],
  BodyTooLarge: [502, 413, 500, 'never'],
  ReadError: [502, undefined, 500, 'reused'],
  WriteError: [502, undefined, 500, 'reused'],
  ReadTimedout: [504, 408, 500, 'never'],
  WriteTimedout: [504, undefined, 500, 'never'],
  ConnectionClosed: [502, undefined, 500, 'reused'],
  NoPeer: [502, 500, 502, 'never'],
  AllPeersDown: [503, 500, 503, 'never'],
  HTTPStatus: [502, 500, 500, 'never'],
  FileOpenError: [502, 500, 500, 'never'],
  FileReadError: [502, 500, 500, 'never'],
  FileWriteError: [502, 500, 500, 'never'],
  InvalidConfig: [502, 500, 500, 'never'],
  InternalError: [502, 500, 500, 'never'],
  UnknownError: [502, 500, 500, 'never'],
};

describe('kinds', () => {
  it('lists every kind once, and the table above covers each', () => {
    expect(new Set(ERROR_KINDS).size).toBe(ERROR_KINDS.length);
    expect([...ERROR_KINDS].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const kind of Object.keys(EXPECTED) as ErrorKind[]) {
    if (kind === 'HTTPStatus') continue;
    it(`${kind}: default status per source and retry decision`, () => {
      const [up, down, internal, retry] = EXPECTED[kind];
      expect(PingoraError.new(kind, 'upstream').downstreamStatus()).toBe(up);
      expect(PingoraError.new(kind, 'downstream').downstreamStatus()).toBe(down);
      expect(PingoraError.new(kind, 'internal').downstreamStatus()).toBe(internal);
      expect(PingoraError.new(kind).retry).toBe(retry);
      expect(KIND_DEFAULTS[kind].retry).toBe(retry);
    });
  }

  it('HTTPStatus answers its own status whatever the source', () => {
    for (const source of ['upstream', 'downstream', 'internal'] as const) {
      expect(PingoraError.status(429, 'rate limited', source).downstreamStatus()).toBe(429);
    }
    expect(() => PingoraError.new('HTTPStatus')).toThrow(RangeError);
    expect(() => PingoraError.status(99)).toThrow(/100\.\.599/);
    expect(() => PingoraError.status(600)).toThrow(RangeError);
  });

  it('recognises kind names', () => {
    expect(isErrorKind('ConnectRefused')).toBe(true);
    expect(isErrorKind('connectrefused')).toBe(false);
    expect(isErrorKind('toString')).toBe(false);
    expect(isErrorKind(42)).toBe(false);
  });

  it('derives stable codes', () => {
    expect(PingoraError.new('ConnectTimedout').code).toBe('PINGORA_CONNECT_TIMEDOUT');
    expect(PingoraError.new('TLSHandshakeFailure').code).toBe('PINGORA_TLS_HANDSHAKE_FAILURE');
    expect(PingoraError.new('InvalidHTTPHeader').code).toBe('PINGORA_INVALID_HTTP_HEADER');
    expect(PingoraError.new('H1Error').code).toBe('PINGORA_H1_ERROR');
    expect(PingoraError.status(404).code).toBe('PINGORA_HTTP_STATUS');
  });
});
