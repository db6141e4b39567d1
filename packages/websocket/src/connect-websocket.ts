import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { PingoraError } from '@pingora-ts/error';
import { HttpConnector, type HttpPeer, type HttpPeerTls } from '@pingora-ts/http-client';
import { HeaderMap, RequestHeader, type ResponseHeader } from '@pingora-ts/http-parser';
import { parseExtensions } from './extension-header.js';
import { computeAccept, parseTokenList, WEBSOCKET_VERSION } from './handshake.js';
import { resolveOptions, type WebSocketOptions } from './options.js';
import { deflateOffer, PERMESSAGE_DEFLATE, readDeflateResponse } from './permessage-deflate.js';
import { WebSocket } from './websocket.js';

/** Options of {@link connectWebSocket}. */
export interface ConnectOptions extends WebSocketOptions {
  /** Subprotocols to offer, in order of preference. */
  protocols?: readonly string[];
  /** Extra request headers (Origin, Authorization, ...). */
  headers?: Iterable<readonly [string, string]> | Record<string, string>;
  /** TLS settings for `wss:` (verification, CA, client certificate); SNI defaults to the host. */
  tls?: HttpPeerTls;
  /** Connect through this connector (its pool is bypassed); default: one of its own. */
  connector?: HttpConnector;
  /** Connect, read and write timeouts of the handshake (see `HttpPeer`). */
  peer?: Omit<HttpPeer, 'host' | 'port' | 'tls'>;
}

function handshakeError(context: string, status?: number): PingoraError {
  return PingoraError.explain('HandshakeError', context, {
    source: 'upstream',
    retry: 'never',
    ...(status === undefined ? {} : { detail: { name: `status ${status}` } }),
  });
}

function hasToken(values: readonly string[], token: string): boolean {
  return values.some((v) => v.split(',').some((p) => p.trim().toLowerCase() === token));
}

/**
 * Opens a client connection to a `ws:` or `wss:` URL over `@pingora-ts/http-client` (TLS through
 * `@pingora-ts/tls`): sends the opening handshake with a fresh key, the subprotocols and the
 * permessage-deflate offer, and checks the 101 answer (RFC 6455 4.1: accept value, upgrade
 * headers, only offered subprotocols and extensions). Fails with a `HandshakeError`.
 *
 * @example
 * ```ts
 * const ws = await connectWebSocket('ws://127.0.0.1:8080/chat', { perMessageDeflate: true });
 * await ws.send('hello');
 * ```
 */
export async function connectWebSocket(
  url: string | URL,
  options: ConnectOptions = {},
): Promise<WebSocket> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const isSecure = target.protocol === 'wss:';
  if (!isSecure && target.protocol !== 'ws:') {
    throw new TypeError(`a WebSocket URL is ws: or wss:, got ${target.protocol}`);
  }
  const resolved = resolveOptions(options); // validates the options before any I/O
  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
  const port = target.port === '' ? (isSecure ? 443 : 80) : Number(target.port);
  const peer: HttpPeer = {
    ...options.peer,
    host,
    port,
    // RFC 6066 3: SNI carries host names only, never an IP address.
    ...(isSecure ? { tls: { ...(isIP(host) === 0 ? { sni: host } : {}), ...options.tls } } : {}),
  };
  const key = randomBytes(16).toString('base64');
  const headers = new HeaderMap(
    options.headers === undefined
      ? undefined
      : Symbol.iterator in options.headers
        ? (options.headers as Iterable<readonly [string, string]>)
        : Object.entries(options.headers),
  );
  if (!headers.has('host')) headers.set('Host', target.port === '' ? target.hostname : target.host);
  headers.set('Upgrade', 'websocket');
  headers.set('Connection', 'Upgrade');
  headers.set('Sec-WebSocket-Key', key);
  headers.set('Sec-WebSocket-Version', WEBSOCKET_VERSION);
  const protocols = options.protocols ?? [];
  if (protocols.length > 0) headers.set('Sec-WebSocket-Protocol', protocols.join(', '));
  const deflate = resolved.perMessageDeflate;
  if (deflate !== undefined) headers.set('Sec-WebSocket-Extensions', deflateOffer(deflate));
  const path = `${target.pathname || '/'}${target.search}`;
  const connector = options.connector ?? new HttpConnector();
  try {
    const session = await connector.session(peer, true);
    let response: ResponseHeader;
    try {
      await session.writeRequest(new RequestHeader('GET', path, 'HTTP/1.1', headers));
      response = await session.readResponseHead();
    } catch (error) {
      session.close();
      throw PingoraError.from(error, 'HandshakeError', 'WebSocket opening handshake');
    }
    const fail = (context: string, status?: number): never => {
      session.close();
      throw handshakeError(context, status);
    };
    if (response.status !== 101)
      fail(`server answered ${response.status}, not 101`, response.status);
    const h = response.headers;
    if (!hasToken(h.getAll('upgrade'), 'websocket')) fail('101 without Upgrade: websocket');
    if (!hasToken(h.getAll('connection'), 'upgrade')) fail('101 without Connection: upgrade');
    if (h.get('sec-websocket-accept')?.trim() !== computeAccept(key)) {
      fail('Sec-WebSocket-Accept does not match the key');
    }
    const chosen = parseTokenList(h.getAll('sec-websocket-protocol'));
    if (chosen === null || chosen.length > 1) fail('invalid Sec-WebSocket-Protocol');
    const protocol = chosen?.[0] ?? '';
    if (protocol !== '' && !protocols.includes(protocol))
      fail(`subprotocol ${protocol} was not offered`);
    const extensionValues = h.getAll('sec-websocket-extensions');
    const agreed = parseExtensions(extensionValues);
    if (agreed === null) fail('invalid Sec-WebSocket-Extensions');
    for (const extension of agreed ?? []) {
      // RFC 6455 4.1: an extension the client did not offer fails the connection.
      if (
        extension.name !== PERMESSAGE_DEFLATE ||
        deflate === undefined ||
        (agreed?.length ?? 0) > 1
      ) {
        fail(`extension ${extension.name} was not offered`);
      }
      const params = readDeflateResponse(extension, deflate);
      if (typeof params === 'string') fail(`permessage-deflate: ${params}`);
    }
    const { socket, head } = session.takeOver();
    return WebSocket.fromSocket(socket, head, {
      role: 'client',
      protocol,
      extensions: extensionValues.join(', '),
      options,
    });
  } finally {
    if (options.connector === undefined) connector.close();
  }
}
