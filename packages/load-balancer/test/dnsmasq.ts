// A real dnsmasq (Debian) for the DNS discovery tests: started on a free loopback port with a
// hosts file and SRV records the test writes, reloaded with SIGHUP, killed by its pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = '/usr/sbin/dnsmasq';

/** One SRV record: `--srv-host=name,target,port,priority,weight`. */
export interface SrvSpec {
  name: string;
  target: string;
  port: number;
  priority: number;
  weight: number;
}

/** A running dnsmasq serving only `domain`, from files the test controls. */
export class Dnsmasq {
  readonly dir: string;
  readonly domain: string;
  port = 0;
  #child: ChildProcess | undefined;
  #srv: SrvSpec[] = [];
  readonly #ttl: number;

  private constructor(domain: string, ttl: number) {
    this.domain = domain;
    this.#ttl = ttl;
    this.dir = mkdtempSync(join(tmpdir(), 'lb-dnsmasq-'));
    // dnsmasq drops privileges to "nobody" when started as root; let it read our files.
    chmodSync(this.dir, 0o755);
  }

  /** Starts dnsmasq with `hosts` lines (`ip name`) and SRV records; TTL of local data `ttl` s. */
  static async start(
    domain: string,
    hosts: string[],
    srv: SrvSpec[],
    ttl: number,
  ): Promise<Dnsmasq> {
    if (!existsSync(BINARY)) {
      throw new Error(
        `${BINARY} is missing: install it with "apt-get install -y dnsmasq" (CI's .ci/run does)`,
      );
    }
    const server = new Dnsmasq(domain, ttl);
    server.writeHosts(hosts);
    server.#srv = srv;
    await server.#launch();
    return server;
  }

  /** Replaces the hosts file; call {@link Dnsmasq.reload} to make dnsmasq read it. */
  writeHosts(lines: string[]): void {
    const file = join(this.dir, 'hosts');
    writeFileSync(file, `${lines.join('\n')}\n`);
    chmodSync(file, 0o644);
  }

  /** SIGHUP: dnsmasq re-reads its hosts files and clears its cache. Waits until it answers `probe`. */
  async reload(probe: { name: string; has: string }): Promise<void> {
    this.#child?.kill('SIGHUP');
    await this.waitFor(async (r) => {
      const answers: string[] = await r.resolve4(probe.name).catch(() => []);
      return answers.includes(probe.has);
    });
  }

  /** Restarts on the same port with new SRV records (they come from the command line). */
  async restartWith(srv: SrvSpec[]): Promise<void> {
    await this.#kill();
    this.#srv = srv;
    await this.#launch(this.port);
  }

  /** A resolver that asks only this dnsmasq. */
  resolver(): Resolver {
    const resolver = new Resolver({ timeout: 1_000, tries: 1 });
    resolver.setServers([`127.0.0.1:${this.port}`]);
    return resolver;
  }

  /** Polls `ready` (at most ~5 s) with a resolver pointed at this server. */
  async waitFor(ready: (resolver: Resolver) => Promise<boolean>): Promise<void> {
    const resolver = this.resolver();
    for (let i = 0; i < 100; i++) {
      if (await ready(resolver)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('dnsmasq did not answer as expected');
  }

  /** Kills dnsmasq by its pid and removes the files. */
  async stop(): Promise<void> {
    await this.#kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #launch(port?: number): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      this.port = port ?? (await freeUdpPort());
      const args = [
        '--keep-in-foreground',
        '--conf-file=/dev/null',
        '--no-resolv',
        '--no-hosts',
        '--no-poll',
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        `--port=${this.port}`,
        '--pid-file=',
        `--addn-hosts=${join(this.dir, 'hosts')}`,
        // Answer NXDOMAIN for unknown names in the test domain instead of forwarding.
        `--local=/${this.domain}/`,
        `--local-ttl=${this.#ttl}`,
        ...this.#srv.map(
          (s) => `--srv-host=${s.name},${s.target},${s.port},${s.priority},${s.weight}`,
        ),
      ];
      const child = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => resolve(code)),
      );
      this.#child = child;
      try {
        await Promise.race([
          this.waitFor(async (r) => {
            try {
              await r.resolve4(`nonexistent.${this.domain}`);
              return true;
            } catch (error) {
              return (error as { code?: string }).code === 'ENOTFOUND';
            }
          }),
          exited.then((code) => {
            throw new Error(`dnsmasq exited (${code}): ${stderr.trim()}`);
          }),
        ]);
        return;
      } catch (error) {
        await this.#kill();
        // Another process took the port between our probe and dnsmasq's bind: try another.
        if (attempt === 4 || port !== undefined || !stderr.includes('in use')) throw error;
      }
    }
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
