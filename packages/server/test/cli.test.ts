import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CliProcess,
  cleanUp,
  freePort,
  HTTP_APP,
  isAlive,
  scratchDir,
  selfSignedCert,
  sleep,
  track,
  writeConfig,
} from './cli-harness.js';

afterEach(cleanUp);

/** GET on a fresh connection (closed after the answer): status and body text. */
async function get(url: string, socketPath?: string): Promise<{ status: number; body: string }> {
  const agent = socketPath === undefined ? undefined : new Agent({ connect: { socketPath } });
  try {
    const res = await request(url, {
      reset: true,
      ...(agent === undefined ? {} : { dispatcher: agent }),
    });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await agent?.close();
  }
}

function service(listeners: string, options = ''): string {
  return `services:
  - name: web
    app: ${HTTP_APP}
${options}    listeners:
${listeners}`;
}

describe('pingora-ts-server -t', () => {
  it('prints file:line and the key of a broken config, exits 1', async () => {
    const dir = scratchDir();
    const file = writeConfig(
      dir,
      `workers: 2\n${service('      - address: 127.0.0.1:8080\n        bakclog: 511\n')}`,
    );
    const cli = new CliProcess(['-t', '-c', file]);
    const { code } = await cli.exited;
    expect(code).toBe(1);
    expect(cli.output).toBe(
      `${file}:9:9: services[0].listeners[0].bakclog: unknown key "bakclog"\n`,
    );
  });

  it('exits 0 on a good config', async () => {
    const dir = scratchDir();
    const file = writeConfig(dir, service('      - address: 127.0.0.1:8080\n'));
    const cli = new CliProcess(['--test', '--conf', file]);
    expect((await cli.exited).code).toBe(0);
    expect(cli.output).toBe(`${file}: configuration OK\n`);
  });

  it('refuses to start on a broken config, naming the line and key', async () => {
    const dir = scratchDir();
    const file = writeConfig(dir, `workers: none\n${service('      - address: 127.0.0.1:8080\n')}`);
    const cli = new CliProcess(['-c', file]);
    expect((await cli.exited).code).toBe(1);
    expect(cli.output).toContain(
      `InvalidConfig (internal): expected an integer [name "workers", in ${file}:3:10]`,
    );
  });
});

describe('pingora-ts-server', () => {
  it('serves TCP, IPv6 and Unix listeners from its workers; SIGTERM during load lets every in-flight request finish, exit 0', async () => {
    const dir = scratchDir();
    const port = await freePort();
    const sock = join(dir, 'web.sock');
    const file = writeConfig(
      dir,
      `workers: 2\ngrace_period_seconds: 20\n${service(
        `      - address: 127.0.0.1:${port}\n      - address: "[::1]:${port}"\n      - path: ${sock}\n`,
      )}`,
    );
    const cli = new CliProcess(['-c', file]);
    const pids = await cli.workerPids();
    expect(pids).toHaveLength(2);
    expect(readFileSync(join(dir, 'server.pid'), 'utf8')).toBe(`${cli.child.pid}\n`);
    expect(pids).toContain(Number((await get(`http://127.0.0.1:${port}/pid`)).body));
    expect(pids).toContain(Number((await get(`http://[::1]:${port}/pid`)).body));
    expect(pids).toContain(Number((await get('http://localhost/pid', sock)).body));

    // An idle keep-alive connection: shutdown closes it rather than waiting for it.
    const idle = new Agent({ keepAliveTimeout: 60_000 });
    await (await request(`http://127.0.0.1:${port}/`, { dispatcher: idle })).body.text();
    let isIdleClosed = false;
    idle.on('disconnect', () => {
      isIdleClosed = true;
    });

    const inFlight = Array.from({ length: 40 }, (_, i) =>
      get(`http://127.0.0.1:${port}/slow?ms=${400 + i * 10}`),
    );
    await sleep(200);
    cli.child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers.every((a) => a.status === 200 && a.body === 'ok')).toBe(true);
    const { code } = await cli.exited;
    expect(code).toBe(0);
    expect(isIdleClosed).toBe(true);
    await idle.close();
    expect(existsSync(join(dir, 'server.pid'))).toBe(false);
    expect(existsSync(sock)).toBe(false);
    expect(pids.some(isAlive)).toBe(false);
    await expect(get(`http://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('replaces a worker killed with SIGKILL; requests meanwhile succeed on the other', async () => {
    const dir = scratchDir();
    const port = await freePort();
    const file = writeConfig(
      dir,
      `workers: 2\ngrace_period_seconds: 3\n${service(`      - address: 127.0.0.1:${port}\n`)}`,
    );
    const cli = new CliProcess(['-c', file]);
    const [victim, survivor] = (await cli.workerPids()) as [number, number];
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    // Connections already queued on the victim's own SO_REUSEPORT listener die with it (see
    // README); from its exit on, until its replacement listens, the survivor takes everything.
    await cli.waitFor(/worker 0 \(pid \d+\) exited \(signal SIGKILL\)/);
    const servedBy = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const answer = await get(`http://127.0.0.1:${port}/pid`);
      expect(answer.status).toBe(200);
      servedBy.add(Number(answer.body));
    }
    expect(servedBy.has(victim)).toBe(false);
    expect(servedBy.has(survivor)).toBe(true);
    const replacement = Number((await cli.waitFor(/worker 0 replaced: pid (\d+) ready/))[1]);
    const restartMs = Date.now() - killedAt;
    console.log(`killed worker replaced and ready within ${restartMs} ms`);
    expect(cli.output).toMatch(
      /worker 0 \(pid \d+\) exited \(signal SIGKILL\).*restarting in 100 ms/,
    );
    // The replacement takes connections too (SO_REUSEPORT spreads them by the client's port).
    for (let i = 0; i < 200 && !servedBy.has(replacement); i++) {
      servedBy.add(Number((await get(`http://127.0.0.1:${port}/pid`)).body));
    }
    expect(servedBy.has(replacement)).toBe(true);
    expect(isAlive(cli.child.pid ?? 0)).toBe(true);
  });

  it('SIGHUP with a broken config keeps the running workers', async () => {
    const dir = scratchDir();
    const port = await freePort();
    const file = writeConfig(dir, `workers: 1\n${service(`      - address: 127.0.0.1:${port}\n`)}`);
    const cli = new CliProcess(['-c', file]);
    const [pid] = await cli.workerPids();
    writeConfig(dir, `workers: 1\nworkerz: 2\n${service(`      - address: 127.0.0.1:${port}\n`)}`);
    cli.child.kill('SIGHUP');
    await cli.waitFor(/restart aborted, keeping the running workers: .*unknown key "workerz"/);
    expect(await get(`http://127.0.0.1:${port}/pid`)).toEqual({ status: 200, body: String(pid) });
  });

  it('an uncaught error in one connection does not take the worker down', async () => {
    const dir = scratchDir();
    const port = await freePort();
    const file = writeConfig(dir, `workers: 1\n${service(`      - address: 127.0.0.1:${port}\n`)}`);
    const cli = new CliProcess(['-c', file]);
    const [pid] = await cli.workerPids();
    await expect(get(`http://127.0.0.1:${port}/boom`)).rejects.toThrow();
    const answer = await get(`http://127.0.0.1:${port}/pid`);
    expect(answer).toEqual({ status: 200, body: String(pid) });
    expect(cli.output).toContain(
      `uncaught error on 127.0.0.1:${port}: Error: boom from a request handler`,
    );
    expect(cli.output).not.toMatch(/exited/);
  });

  it('shares TCP, TLS and Unix listeners through the master when reuse_port is off; SIGINT stops it fast', async () => {
    const dir = scratchDir();
    const port = await freePort();
    const tlsPort = await freePort();
    const sock = join(dir, 'web.sock');
    const { cert, key } = selfSignedCert(dir);
    const file = writeConfig(
      dir,
      `workers: 2\nreuse_port: false\ngrace_period_seconds: 60\nfast_shutdown_seconds: 0.5\n${service(
        `      - address: 127.0.0.1:${port}\n      - path: ${sock}\n      - address: 127.0.0.1:${tlsPort}\n        tls: { cert_file: ${cert}, key_file: ${key} }\n`,
      )}`,
    );
    const cli = new CliProcess(['-c', file]);
    const pids = await cli.workerPids();
    const servedBy = new Set<number>();
    for (let i = 0; i < 8; i++) {
      servedBy.add(Number((await get(`http://127.0.0.1:${port}/pid`)).body));
    }
    for (let i = 0; i < 4; i++) {
      servedBy.add(Number((await get('http://localhost/pid', sock)).body));
    }
    // Round-robin: both workers got connections.
    expect([...servedBy].sort()).toEqual([...pids].sort());
    // TLS: the master passes the raw connection, the worker runs the handshake.
    const secure = new Agent({ connect: { ca: readFileSync(cert) } });
    const tlsServedBy = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const res = await request(`https://127.0.0.1:${tlsPort}/pid`, {
        dispatcher: secure,
        reset: true,
      });
      tlsServedBy.add(Number(await res.body.text()));
    }
    await secure.close();
    expect([...tlsServedBy].sort()).toEqual([...pids].sort());
    // A request that would outlive the fast grace period is cut, and the server still exits 0.
    const slow = get(`http://127.0.0.1:${port}/slow?ms=20000`).catch((error: unknown) => error);
    await sleep(200);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    expect(await slow).toBeInstanceOf(Error);
    expect(cli.output).toContain('shutting down, grace period 500 ms');
  });

  it('-d detaches, writes the pid file and logs to error_log; SIGTERM removes the pid file', async () => {
    const dir = scratchDir();
    const port = await freePort();
    const log = join(dir, 'error.log');
    const file = writeConfig(
      dir,
      `workers: 1\nerror_log: ${log}\n${service(`      - address: 127.0.0.1:${port}\n`)}`,
    );
    const cli = new CliProcess(['-d', '-c', file]);
    expect((await cli.exited).code).toBe(0);
    const pid = Number(readFileSync(join(dir, 'server.pid'), 'utf8'));
    track(pid);
    expect(cli.output).toBe(`pingora-ts-server: running in the background, pid ${pid}\n`);
    expect(isAlive(pid)).toBe(true);
    expect((await get(`http://127.0.0.1:${port}/`)).body).toBe('ok');
    expect(readFileSync(log, 'utf8')).toMatch(/\[master \d+\] ready: 1 worker/);
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(25);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(dir, 'server.pid'))).toBe(false);
    expect(readFileSync(log, 'utf8')).toContain('stopped');
  });
});
