// A real nginx (Debian's) for the tests: own prefix directory and config, a free 127.0.0.1
// port, foreground single process, stopped by pid, access log in <prefix>/access.log. Fails
// (never skips) without nginx.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Nginx {
  port: number;
  prefix: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Starts nginx with `server` (the inside of a server block; `@PORT@` is the port). */
export async function startNginx(
  server: string,
  files: Record<string, string | Buffer> = {},
  /** Extra http-block directives (`@PREFIX@` is the prefix directory); a benchmark's turns the access log off. */
  http = '',
  /** Extra parameters of the `listen` directive (`http2` for h2c with prior knowledge). */
  listenParameters = '',
): Promise<Nginx> {
  const binary = '/usr/sbin/nginx';
  if (!existsSync(binary)) {
    throw new Error(
      'nginx is not installed: apt-get install nginx-light (CI does this in .ci/run)',
    );
  }
  const prefix = mkdtempSync(join(tmpdir(), 'proxy-nginx-'));
  mkdirSync(join(prefix, 'html'));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(prefix, 'html', name), data);
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => {
    mkdirSync(join(prefix, d));
    return `${d}_temp_path ${join(prefix, d)};`;
  });
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off; master_process off; worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log ${http.includes('access_log') ? 'off' : join(prefix, 'access.log')};
  ${http.replaceAll('@PREFIX@', prefix).replace(/access_log[^;]*;/, '')}
  ${temp.join('\n  ')}
  server {
    listen 127.0.0.1:${port}${listenParameters === '' ? '' : ` ${listenParameters}`};
    root ${join(prefix, 'html')};
    ${server.replaceAll('@PORT@', String(port))}
  }
}
`,
  );
  const child: ChildProcess = spawn(
    binary,
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', 'stderr'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return { port, prefix, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await stop();
  throw new Error(`nginx did not start: ${log}`);
}
