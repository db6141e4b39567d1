// dnsmasq (Debian's dnsmasq-base) for the DNS discovery tests of the apps: one server on a
// free loopback port, answering A records from a hosts file the test writes and NXDOMAIN for
// every other name of the test domain; stopped by its own pid. Types: test-dnsmasq.d.mts.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ATTEMPTS = 5;
const PROBES = 50;
const PROBE_GAP_MS = 50;

/**
 * Starts dnsmasq answering `hosts` lines (`ip name`) and NXDOMAIN for the rest of `domain`.
 * Resolves once it answers every hosts name with its address.
 *
 * @param {string} domain
 * @param {string[]} hosts
 * @returns {Promise<{ port: number, stop(): Promise<void> }>}
 */
export async function startDnsmasq(domain, hosts) {
  const dir = mkdtempSync(join(tmpdir(), 'test-dns-'));
  // dnsmasq drops to "nobody" when started as root: let it read the hosts file.
  chmodSync(dir, 0o755);
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, `${hosts.join('\n')}\n`);
  chmodSync(hostsFile, 0o644);
  // The hosts file outlives failed attempts: each new dnsmasq reads it again.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  let failure = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = await freePort();
    const child = spawn(
      '/usr/sbin/dnsmasq',
      [
        '--keep-in-foreground',
        '--conf-file=/dev/null',
        '--no-resolv',
        '--no-hosts',
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        `--port=${port}`,
        '--pid-file=',
        `--addn-hosts=${hostsFile}`,
        `--local=/${domain}/`,
        '--local-ttl=1',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const kill = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    };
    for (let i = 0; i < PROBES && child.exitCode === null; i++) {
      if (await isReady(port, domain, hosts)) {
        return {
          port,
          stop: async () => {
            await kill();
            removeDir();
          },
        };
      }
      await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
    }
    await kill();
    failure = stderr.trim() || `no answer on port ${port}`;
  }
  removeDir();
  throw new Error(`dnsmasq did not start after ${ATTEMPTS} attempts: ${failure}`);
}

/**
 * Whether the server on `port` answers NXDOMAIN for an unknown name of `domain` and each hosts
 * line's address for its name (answering alone does not prove the hosts file is loaded). A
 * fresh resolver each time: c-ares caches negative answers per resolver.
 */
async function isReady(port, domain, hosts) {
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const probe = await resolver.resolve4(`probe.${domain}`).catch((e) => e.code);
  if (probe !== 'ENOTFOUND') return false;
  for (const line of hosts) {
    const [address, name] = line.split(/\s+/);
    if (address === undefined || name === undefined || address.includes(':')) continue;
    const answer = await resolver.resolve4(name).catch(() => []);
    if (!answer.includes(address)) return false;
  }
  return true;
}

/**
 * A loopback port free for both UDP and TCP: dnsmasq listens on both, and exits when the TCP
 * port is taken, as an outgoing connection's local port often is under loopback load.
 */
async function freePort() {
  for (;;) {
    const udp = createSocket('udp4');
    await new Promise((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const { port } = udp.address();
    const tcp = createServer();
    const isFree = await new Promise((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (isFree) await new Promise((resolve) => tcp.close(resolve));
    await new Promise((resolve) => udp.close(resolve));
    if (isFree) return port;
  }
}
