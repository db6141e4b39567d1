import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { fromSystemError, kindOfSystemCode, PingoraError } from '../src/index.js';

describe('fromSystemError', () => {
  it('maps a real ECONNREFUSED from node:net to ConnectRefused, keeping the cause', async () => {
    // A port that was just free: bind, read the port, close, then connect to it.
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const socket = net.connect(port, '127.0.0.1');
    const [error] = (await once(socket, 'error').catch((e: unknown) => [e])) as [Error];
    const e = fromSystemError(error, 'upstream', 'ConnectError', `connecting to 127.0.0.1:${port}`);
    expect(e.kind).toBe('ConnectRefused');
    expect(e.source).toBe('upstream');
    expect(e.cause).toBe(error);
    expect(e.canRetry(false)).toBe(true);
    expect(e.downstreamStatus()).toBe(502);
  });

  it('uses the fallback for unknown codes and keeps PingoraErrors', () => {
    expect(fromSystemError(new Error('odd'), 'downstream', 'ReadError').kind).toBe('ReadError');
    const e = PingoraError.new('H1Error');
    expect(fromSystemError(e, 'upstream', 'ReadError', 'more')).toBe(e);
    expect(e.contexts).toEqual(['more']);
    expect(kindOfSystemCode('CERT_HAS_EXPIRED')).toBe('InvalidCert');
    expect(kindOfSystemCode('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('InvalidCert');
    expect(kindOfSystemCode('ERR_TLS_HANDSHAKE_TIMEOUT')).toBe('TLSHandshakeTimedout');
    expect(kindOfSystemCode('ERR_SSL_PACKET_LENGTH_TOO_LONG')).toBe('TLSHandshakeFailure');
    expect(kindOfSystemCode('constructor')).toBeUndefined();
  });
});
