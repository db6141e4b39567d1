import { execFile } from 'node:child_process';
import type net from 'node:net';
import type tls from 'node:tls';
import { createCertificate, createCertificateAuthority, type KeyPairPem } from '@pingora-ts/tls';

/** Output of a finished child process. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real peer (curl, h2load, nghttp) to completion, with a hard time limit. */
export function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

let pair: { ca: KeyPairPem; leaf: KeyPairPem } | undefined;

/** A CA and a leaf for `localhost` / 127.0.0.1 (made once per test file). */
export function certificates(): { ca: KeyPairPem; leaf: KeyPairPem } {
  if (pair === undefined) {
    const ca = createCertificateAuthority();
    pair = { ca, leaf: createCertificate(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'] }) };
  }
  return pair;
}

/** Listens on 127.0.0.1 with an ephemeral port; resolves the port. */
export function listen(server: net.Server | tls.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** Closes a listener and waits for it. */
export function closeListener(server: net.Server | tls.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
