import { PingoraError } from '@pingora-ts/error';
import { expect } from 'vitest';

/** The error `p` rejects with, checked to be a `PingoraError` (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<PingoraError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(PingoraError);
  return e as PingoraError;
}
