import type { Socket } from 'node:net';
import { CLOSE_CODES } from './close-code.js';
import type { WebSocketOptions } from './options.js';
import { type CloseInfo, WebSocket } from './websocket.js';
import type { WebSocketMessage } from './websocket-message.js';

/** Which way a relayed message travels. */
export type RelayDirection = 'downstream-to-upstream' | 'upstream-to-downstream';

/**
 * Sees every relayed data message and returns what to forward: the message itself, another
 * message, or `null` to drop it. May be async (the relay then waits, which slows that direction
 * down through TCP backpressure). A hook that throws drops both connections at once.
 */
export type RelayHook = (
  message: WebSocketMessage,
  direction: RelayDirection,
) => WebSocketMessage | null | Promise<WebSocketMessage | null>;

/** Options of {@link relayWebSocket}. */
export interface RelayOptions extends WebSocketOptions {
  /**
   * The extensions agreed in the handshake: the `Sec-WebSocket-Extensions` value of the 101
   * that was passed from upstream to downstream (`''` or absent: none). With
   * permessage-deflate, both hops inflate and deflate with these parameters.
   */
  extensions?: string;
  /** The agreed subprotocol (informational). */
  protocol?: string;
  /** The message hook; without one, messages pass unchanged. */
  onMessage?: RelayHook;
}

/** How a relay ended. */
export interface RelayResult {
  /** How the downstream (client) connection ended. */
  readonly downstream: CloseInfo;
  /** How the upstream (server) connection ended. */
  readonly upstream: CloseInfo;
  /** Messages forwarded client to server. */
  readonly toUpstream: number;
  /** Messages forwarded server to client. */
  readonly toDownstream: number;
  /** Messages the hook dropped. */
  readonly dropped: number;
  /**
   * What the hook threw, when it did: both connections were then closed with 1011 (internal
   * error, RFC 6455 section 7.4.1) instead of relaying the message.
   */
  readonly hookError?: unknown;
}

/** A hook's failure, told apart from the connections' own. */
class HookFailure {
  constructor(readonly error: unknown) {}
}

interface Counters {
  toUpstream: number;
  toDownstream: number;
  dropped: number;
}

async function pump(
  from: WebSocket,
  to: WebSocket,
  direction: RelayDirection,
  hook: RelayHook | undefined,
  counters: Counters,
): Promise<void> {
  const isUp = direction === 'downstream-to-upstream';
  for await (const message of from) {
    let out: WebSocketMessage | null | undefined;
    try {
      out = hook === undefined ? message : await hook(message, direction);
    } catch (error) {
      throw new HookFailure(error);
    }
    if (out === null) {
      counters.dropped++;
      continue;
    }
    if (to.readyState !== 'open') break;
    if (isUp) counters.toUpstream++;
    else counters.toDownstream++;
    try {
      await to.send(out.data, { binary: out.isBinary });
    } catch {
      break; // the other side went away; its own pump propagates its close
    }
  }
  if (to.readyState !== 'open') return;
  const info = from.closeStatus;
  if (info?.wasClean) {
    // Pass the peer's close on as it came (1005: a close frame without a code).
    await to.close(info.code, info.reason);
  } else {
    await to.close(CLOSE_CODES.GOING_AWAY, 'the other side of the relay failed');
  }
}

/**
 * Relays WebSocket messages between two sockets whose opening handshakes are done (the
 * proxy wrote the 101 downstream after reading it from upstream). The downstream socket is
 * served as a server (it must receive masked frames, and sends unmasked ones), the upstream
 * one as a client (frames sent up are masked). `downstreamHead` and `upstreamHead` are the
 * bytes already read past each handshake. Every data message goes through `onMessage`, which
 * may forward it, change it or drop it; pings are answered on each hop, and a close on one side
 * is passed to the other. Resolves when both connections are closed.
 *
 * Plain byte tunnelling (no hook, no inspection) does not need this: pipe the sockets.
 *
 * @example
 * ```ts
 * const result = await relayWebSocket(down.socket, down.head, up.socket, up.head, {
 *   extensions: upstreamResponse.headers.get('sec-websocket-extensions') ?? '',
 *   onMessage: (m, direction) => (m.text().includes('secret') ? null : m),
 * });
 * ```
 */
export async function relayWebSocket(
  downstreamSocket: Socket,
  downstreamHead: Buffer,
  upstreamSocket: Socket,
  upstreamHead: Buffer,
  options: RelayOptions = {},
): Promise<RelayResult> {
  const { extensions = '', protocol = '', onMessage, ...connection } = options;
  const downstream = WebSocket.fromSocket(downstreamSocket, downstreamHead, {
    role: 'server',
    extensions,
    protocol,
    options: connection,
  });
  const upstream = WebSocket.fromSocket(upstreamSocket, upstreamHead, {
    role: 'client',
    extensions,
    protocol,
    options: connection,
  });
  const counters: Counters = { toUpstream: 0, toDownstream: 0, dropped: 0 };
  let hookFailure: HookFailure | undefined;
  const onFailure = (failure: unknown) => {
    if (failure instanceof HookFailure && hookFailure === undefined) {
      // Our side failed, not a peer: both get a proper close frame saying so.
      hookFailure = failure;
      for (const ws of [downstream, upstream]) {
        if (ws.readyState === 'open') {
          ws.close(CLOSE_CODES.INTERNAL_ERROR, 'message hook failed').catch(() => ws.terminate());
        }
      }
      return;
    }
    upstream.terminate();
    downstream.terminate();
  };
  await Promise.all([
    pump(downstream, upstream, 'downstream-to-upstream', onMessage, counters).catch(onFailure),
    pump(upstream, downstream, 'upstream-to-downstream', onMessage, counters).catch(onFailure),
  ]);
  const [down, up] = await Promise.all([downstream.closed, upstream.closed]);
  return {
    downstream: down,
    upstream: up,
    ...counters,
    ...(hookFailure === undefined ? {} : { hookError: hookFailure.error }),
  };
}
