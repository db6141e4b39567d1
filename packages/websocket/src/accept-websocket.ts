import { PingoraError } from '@pingora-ts/error';
import { HeaderMap } from '@pingora-ts/http-parser';
import type { HttpSession } from '@pingora-ts/http-server';
import { checkUpgradeRequest, computeAccept } from './handshake.js';
import type { WebSocketOptions } from './options.js';
import { acceptDeflateOffer } from './permessage-deflate.js';
import { WebSocket } from './websocket.js';

/** Options of {@link acceptWebSocket}. */
export interface AcceptOptions extends WebSocketOptions {
  /**
   * Subprotocols this server speaks, in its order of preference, or a function that picks one
   * of the client's (returning `undefined` for none). Without it no subprotocol is agreed.
   */
  protocols?: readonly string[] | ((offered: readonly string[]) => string | undefined);
  /** Extra headers for the 101 response. */
  headers?: Iterable<readonly [string, string]>;
}

function pickProtocol(
  offered: readonly string[],
  protocols: AcceptOptions['protocols'],
): string | undefined {
  if (protocols === undefined || offered.length === 0) return undefined;
  if (typeof protocols === 'function') {
    const chosen = protocols(offered);
    // RFC 6455 4.2.2: the server may only pick one the client offered.
    return chosen !== undefined && offered.includes(chosen) ? chosen : undefined;
  }
  return protocols.find((p) => offered.includes(p));
}

/**
 * The server side of the opening handshake on an `@pingora-ts/http-server` session: checks
 * the request (refusing a bad one with 400, 405 or 426 and throwing an `HTTPStatus`
 * `PingoraError`), picks a subprotocol, negotiates permessage-deflate, writes the 101 and
 * takes the socket over (with any bytes already read past the request).
 *
 * @example
 * ```ts
 * const server = new HttpServer({
 *   handler: async (session) => {
 *     const ws = await acceptWebSocket(session);
 *     for await (const m of ws) await ws.send(m.data, { binary: m.isBinary });
 *   },
 * });
 * ```
 */
export async function acceptWebSocket(
  session: HttpSession,
  options: AcceptOptions = {},
): Promise<WebSocket> {
  const checked = checkUpgradeRequest(session.request);
  if (!checked.ok) {
    await session.respond(checked.status, checked.reason, [
      ...checked.headers,
      ['Content-Type', 'text/plain'],
    ]);
    throw PingoraError.status(
      checked.status,
      `WebSocket handshake refused: ${checked.reason}`,
      'downstream',
    );
  }
  const headers = new HeaderMap([
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', computeAccept(checked.key)],
  ]);
  const protocol = pickProtocol(checked.protocols, options.protocols) ?? '';
  if (protocol !== '') headers.set('Sec-WebSocket-Protocol', protocol);
  let extensions = '';
  const deflate = options.perMessageDeflate;
  if (deflate !== undefined && deflate !== false) {
    const accepted = acceptDeflateOffer(checked.extensions, deflate === true ? {} : deflate);
    if (accepted !== null) {
      extensions = accepted.response;
      headers.set('Sec-WebSocket-Extensions', extensions);
    }
  }
  for (const [name, value] of options.headers ?? []) headers.append(name, value);
  await session.writeHead(101, headers, 'Switching Protocols');
  const { socket, head } = session.upgrade();
  return WebSocket.fromSocket(socket, head, { role: 'server', protocol, extensions, options });
}
