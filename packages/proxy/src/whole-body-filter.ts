import type { ProxyHttp } from './proxy-http.js';

/** One call of a body filter phase: a chunk (or `undefined` with `isEnd`) and what it makes of it. */
type BodyFilterCall = (
  chunk: Uint8Array | undefined,
  isEnd: boolean,
) => ReturnType<NonNullable<ProxyHttp['responseBodyFilter']>>;

/**
 * A whole body through a body filter phase as the streaming path passes a one-chunk body: the
 * chunk (replaced, kept, or dropped with `null`), then the end call, whose answer is appended.
 * Copies only when both calls leave bytes.
 */
export async function filterWholeBody(
  body: Uint8Array,
  filter: BodyFilterCall,
): Promise<Uint8Array> {
  const replaced = await filter(body, false);
  const first = replaced === null ? undefined : (replaced ?? body);
  const last = await filter(undefined, true);
  if (!last) return first ?? EMPTY_BODY;
  return first === undefined ? last : Buffer.concat([first, last]);
}

/** What a filter leaves of a body it dropped whole. */
const EMPTY_BODY = new Uint8Array(0);
