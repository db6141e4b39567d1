/** A running dnsmasq for one test domain. */
export interface TestDns {
  /** Its loopback port (UDP and TCP). */
  readonly port: number;
  /** Stops it (by pid) and removes its hosts file; idempotent. */
  stop(): Promise<void>;
}
/** Starts dnsmasq answering `hosts` lines (`ip name`) and NXDOMAIN for the rest of `domain`. */
export function startDnsmasq(domain: string, hosts: string[]): Promise<TestDns>;
