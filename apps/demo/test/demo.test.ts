import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start`'s process, for real: the built start script, the server CLI, two workers.
const start = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'start.js');

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let child: ChildProcess | undefined;
afterAll(() => child?.kill('SIGKILL'));

describe('npm start demo', () => {
  it('serves HTTP and HTTPS from the packages, rate-limits, and stops gracefully', async () => {
    const [port, httpsPort] = [await freePort(), await freePort()];
    child = spawn(process.execPath, [start], {
      env: { ...process.env, PORT: String(port), HTTPS_PORT: String(httpsPort), WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // Wait until the listener answers.
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${base}/pid`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const index = await (await fetch(`${base}/`)).text();
    expect(index).toContain('Pingora-TS demo');

    const refused = await (await fetch(`${base}/errors/ConnectRefused?source=upstream`)).json();
    expect(refused).toMatchObject({ kind: 'ConnectRefused', status: 502, retry: 'always' });

    const ring = (await (await fetch(`${base}/ring?key=user-42`)).json()) as {
      backend: string;
      retryOrder: string[];
    };
    expect(ring.retryOrder).toHaveLength(5);
    expect(ring.retryOrder[0]).toBe(ring.backend);

    const square = (await (await fetch(`${base}/square/12`)).json()) as { square: number };
    expect(square.square).toBe(144);

    // 5 per second per client and worker (burst 5): of 12 quick requests at most 10 pass.
    const answers: Response[] = [];
    for (let i = 0; i < 12; i++) answers.push(await fetch(`${base}/limited`));
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    for (const r of limited) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await Promise.all(answers.map((r) => r.text()));

    // HTTPS with the demo's own CA.
    const caFile = /trust (\S+ca\.pem)/.exec(output)?.[1];
    expect(caFile).toBeDefined();
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(
          {
            host: '127.0.0.1',
            port: httpsPort,
            path: '/pid',
            servername: 'localhost',
            ca: readFileSync(caFile!),
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve(text));
          },
        )
        .on('error', reject);
    });
    expect(Number(body)).toBeGreaterThan(0);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    child = undefined;
  });
});
