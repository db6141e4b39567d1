import type { UpstreamResponse } from '@pingora-ts/http-client';
import type { HttpSession } from '@pingora-ts/http-server';
import { describe, expectTypeOf, it } from 'vitest';
import type { H2Session, H2UpstreamResponse } from '../src/index.js';

// The proxy accepts either protocol because the shapes match member for member; these checks
// fail the typecheck (tsc -p tsconfig.json covers test/) if either side drifts.
type SessionMembers =
  | 'request'
  | 'response'
  | 'isFinished'
  | 'isBodyDone'
  | 'body'
  | 'writeHead'
  | 'write'
  | 'end'
  | 'respond'
  | 'socket';

describe('structural compatibility with the HTTP/1 classes', () => {
  it('H2Session has the members of HttpSession', () => {
    expectTypeOf<H2Session>().toExtend<Pick<HttpSession, SessionMembers>>();
    expectTypeOf<H2Session['protocol']>().toEqualTypeOf<'h2'>();
  });

  it('H2UpstreamResponse has the members of UpstreamResponse (but the HTTP/1 session)', () => {
    expectTypeOf<H2UpstreamResponse>().toExtend<Omit<UpstreamResponse, 'session'>>();
  });
});
