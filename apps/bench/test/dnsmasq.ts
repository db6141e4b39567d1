// dnsmasq (Debian's dnsmasq-base) on a free loopback UDP port, answering A records from a hosts
// file for the DNS discovery test; stopped by its own pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running dnsmasq for one test domain. */
export interface TestDns {
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts dnsmasq answering `hosts` lines (`ip name`) and NXDOMAIN for the rest of `domain`. */
export async function startDnsmasq(domain: string, hosts: string[]): Promise<TestDns> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dns-'));
  // dnsmasq drops to "nobody" when started as root: let it read the hosts file.
  chmodSync(dir, 0o755);
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, `${hosts.join('\n')}\n`);
  chmodSync(hostsFile, 0o644);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeUdpPort();
    const child: ChildProcess = spawn(
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
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    };
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    for (let i = 0; i < 50; i++) {
      if (child.exitCode !== null) break;
      const answer = await resolver
        .resolve4(`probe.${domain}`)
        .catch((e: { code?: string }) => e.code);
      if (answer === 'ENOTFOUND') return { port, stop };
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
  }
  throw new Error('dnsmasq did not start');
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
