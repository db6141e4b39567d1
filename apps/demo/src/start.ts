// `npm start`: makes a development certificate authority and a certificate for localhost
// (with @pingora-ts/tls), writes a server configuration, and runs the @pingora-ts/server CLI
// on it: two workers sharing an HTTP and an HTTPS listener, graceful shutdown on Ctrl-C or
// SIGTERM, zero-downtime restart on SIGHUP. Ports: PORT (8080), HTTPS_PORT (8443), HOST.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificate, createCertificateAuthority } from '@pingora-ts/tls';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
const httpsPort = Number(process.env.HTTPS_PORT ?? 8443);
const workers = Number(process.env.WORKERS ?? 2);
const dir = join(tmpdir(), `pingora-ts-demo-${process.pid}`);
mkdirSync(dir, { recursive: true });

const ca = createCertificateAuthority({ commonName: 'Pingora-TS demo CA' });
const leaf = createCertificate(ca, {
  dnsNames: ['localhost'],
  ips: ['127.0.0.1', '::1'],
  validityDays: 30,
});
writeFileSync(join(dir, 'ca.pem'), ca.cert);
writeFileSync(join(dir, 'cert.pem'), leaf.cert);
writeFileSync(join(dir, 'key.pem'), leaf.key, { mode: 0o600 });

const app = join(dirname(fileURLToPath(import.meta.url)), 'app.js');
const config = join(dir, 'server.yaml');
writeFileSync(
  config,
  `version: 1
workers: ${workers}
pid_file: ${join(dir, 'demo.pid')}
upgrade_sock: ${join(dir, 'upgrade.sock')}
grace_period_seconds: 5
services:
  - name: demo
    app: ${JSON.stringify(app)}
    listeners:
      - address: "${host}:${port}"
      - address: "${host}:${httpsPort}"
        tls: { cert_file: ${JSON.stringify(join(dir, 'cert.pem'))}, key_file: ${JSON.stringify(join(dir, 'key.pem'))}, alpn: [http/1.1] }
`,
);

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@pingora-ts/server/package.json')), 'dist', 'cli.js');
console.log(`Pingora-TS demo (Node ${process.version}), ${workers} workers:
  http://${host}:${port}/
  https://localhost:${httpsPort}/   (trust ${join(dir, 'ca.pem')}, e.g. curl --cacert)
Ctrl-C stops gracefully; kill -HUP ${process.pid} restarts the workers with no dropped connection.`);

const child = spawn(process.execPath, [cli, '-c', config], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
