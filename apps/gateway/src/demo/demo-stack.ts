import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { type DemoUpstream, startDemoUpstream } from './demo-upstream.js';

/** The embedded demo: two upstreams, a JWT secret and a token signed with it. */
export interface DemoStack {
  readonly upstreams: readonly DemoUpstream[];
  /** Variables the embedded default configuration refers to. */
  readonly vars: Readonly<Record<string, string>>;
  /** A bearer token accepted by the demo `/api` route (valid 24 hours). */
  readonly token: string;
  close(): Promise<void>;
}

/** Starts the two demo upstreams on ephemeral loopback ports and makes the demo token. */
export async function startDemoStack(): Promise<DemoStack> {
  const upstreams = await Promise.all([startDemoUpstream('demo-1'), startDemoUpstream('demo-2')]);
  // A fresh secret per run: a demo token never outlives the process that printed it.
  const secret = randomBytes(32).toString('base64url');
  const token = await new SignJWT({ name: 'Demo User' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('demo-user')
    .setIssuer('pingora-ts-demo')
    .setAudience('demo-api')
    .setIssuedAt()
    .setExpirationTime('24h')
    .sign(new TextEncoder().encode(secret));
  return {
    upstreams,
    token,
    vars: {
      DEMO_UPSTREAM_1: (upstreams[0] as DemoUpstream).address,
      DEMO_UPSTREAM_2: (upstreams[1] as DemoUpstream).address,
      DEMO_JWT_SECRET: secret,
    },
    close: async () => {
      await Promise.all(upstreams.map((u) => u.close()));
    },
  };
}
