import { type ErrorKind, type ErrorSource, PingoraError } from '@pingora-ts/error';

/**
 * The one way this package reports bad input: a PingoraError whose detail names the rule
 * (with its RFC section) and the byte offset in the connection's stream.
 */
export function parseError(
  kind: ErrorKind,
  source: ErrorSource,
  rule: string,
  offset: number,
  name?: string,
): PingoraError {
  const detail = name === undefined ? { rule, offset } : { rule, offset, name };
  return new PingoraError(kind, {
    source,
    context: `${source === 'downstream' ? 'parsing request' : 'parsing response'}: ${rule} at byte ${offset}`,
    detail,
  });
}
