import { PingoraError } from '@pingora-ts/error';
import type { H2Connector, H2Handler, H2Peer, H2UpstreamResponse } from '../src/index.js';

/** What the relay saw, for assertions. */
export interface RelayLog {
  requestTe: (string | undefined)[];
  errors: PingoraError[];
}

/**
 * The smallest proxy built from this package's pieces: each downstream stream (an H2Session)
 * becomes one upstream request on the connector; head, body and trailers are passed through,
 * and a reset on either side is passed to the other.
 */
export function relay(connector: H2Connector, peer: H2Peer, log: RelayLog): H2Handler {
  return async (s) => {
    log.requestTe.push(s.request.headers.get('te'));
    let res: H2UpstreamResponse;
    try {
      res = await connector.request(peer, {
        method: s.request.method,
        path: s.request.rawTarget,
        headers: s.request.headers,
        ...(s.isBodyDone ? {} : { body: s.body() }),
      });
    } catch (error) {
      const e = PingoraError.from(error);
      log.errors.push(e);
      if (s.signal.aborted) return;
      await s.respond(e.downstreamStatus() ?? 502, '');
      return;
    }
    // The client reset its stream: reset the upstream one (RST_STREAM CANCEL).
    const onAbort = () => res.close();
    s.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await s.writeHead(res.status, res.head.headers);
      for await (const chunk of res.body) await s.write(chunk);
      const trailers = await res.trailers;
      if (trailers.size > 0) await s.writeTrailers(trailers);
      else await s.end();
    } catch (error) {
      log.errors.push(PingoraError.from(error));
      // The upstream reset (or the client left): the client must see a reset, not a short body.
      s.abort();
      res.close();
    } finally {
      s.signal.removeEventListener('abort', onAbort);
    }
  };
}
