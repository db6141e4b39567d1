import type { Socket } from 'node:net';

/** What a finished tunnel moved. */
export interface TunnelResult {
  /** Bytes from the client to the upstream (after the 101). */
  readonly toUpstream: number;
  /** Bytes from the upstream to the client. */
  readonly toDownstream: number;
  /** True when it ended because neither side sent anything for `idleTimeoutMs`. */
  readonly isIdleTimeout: boolean;
}

/**
 * Relays bytes both ways between two sockets after a protocol switch (a 101 answer to an
 * `Upgrade`, RFC 9110 section 15.2.2), starting with the bytes each side had already sent past
 * its head. Backpressure holds on both directions (`pipe`); an end from one side is passed on; an error or a close on either side tears both down; so does `idleTimeoutMs`
 * without a byte in either direction. Resolves when both sockets are closed.
 */
export function tunnel(
  downstream: Socket,
  downstreamHead: Uint8Array,
  upstream: Socket,
  upstreamHead: Uint8Array,
  idleTimeoutMs: number,
): Promise<TunnelResult> {
  let toUpstream = downstreamHead.length;
  let toDownstream = upstreamHead.length;
  let isIdleTimeout = false;
  if (upstreamHead.length > 0) downstream.write(upstreamHead);
  if (downstreamHead.length > 0) upstream.write(downstreamHead);
  const teardown = () => {
    downstream.destroy();
    upstream.destroy();
  };
  const onIdle = () => {
    isIdleTimeout = true;
    teardown();
  };
  // socket.setTimeout counts reads and writes of that socket, and every relayed byte is read
  // on one socket and written on the other: both stay busy while either direction moves.
  downstream.setTimeout(idleTimeoutMs, onIdle);
  upstream.setTimeout(idleTimeoutMs, onIdle);
  downstream.on('data', (chunk: Buffer) => {
    toUpstream += chunk.length;
  });
  upstream.on('data', (chunk: Buffer) => {
    toDownstream += chunk.length;
  });
  downstream.on('error', teardown);
  upstream.on('error', teardown);
  downstream.pipe(upstream);
  upstream.pipe(downstream);
  const closed = (s: Socket) =>
    new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
  // One side closed: flush what is queued for the other, then close it too.
  downstream.once('close', () => upstream.destroySoon());
  upstream.once('close', () => downstream.destroySoon());
  downstream.resume();
  upstream.resume();
  return Promise.all([closed(downstream), closed(upstream)]).then(() => ({
    toUpstream,
    toDownstream,
    isIdleTimeout,
  }));
}
