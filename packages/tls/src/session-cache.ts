/**
 * Client-side TLS sessions by peer, so that repeated connections to a peer resume (an
 * abbreviated handshake: no certificate exchange, one round trip less). Bounded: the oldest
 * peer's session is dropped first. Counts full and resumed handshakes.
 *
 * Each connection stores every session (TLS 1.3 ticket) its peer sends, so a connection that
 * reads replaces the ticket it used with a fresh one; RFC 8446 C.4 advises against using one
 * ticket many times, which is what happens to connections closed before any ticket arrives.
 */
export class TlsSessionCache {
  private readonly sessions = new Map<string, Buffer>();
  private readonly max: number;
  /** Handshakes that resumed a cached session. */
  resumed = 0;
  /** Full handshakes. */
  full = 0;

  /** @param maxPeers - Peers kept at most (default 1024); the least recently stored goes first. */
  constructor(maxPeers = 1024) {
    if (!(maxPeers >= 1)) throw new RangeError(`TlsSessionCache maxPeers must be >= 1`);
    this.max = maxPeers;
  }

  /** The session last stored for `peer`. */
  get(peer: string): Buffer | undefined {
    return this.sessions.get(peer);
  }

  /** Stores `session` for `peer` (the newest session of a peer replaces its older one). */
  set(peer: string, session: Buffer): void {
    this.sessions.delete(peer);
    this.sessions.set(peer, session);
    if (this.sessions.size > this.max) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }

  /** Forgets `peer`'s session (after a failed resumption, say). */
  delete(peer: string): void {
    this.sessions.delete(peer);
  }

  /** Number of peers with a session. */
  get size(): number {
    return this.sessions.size;
  }
}
