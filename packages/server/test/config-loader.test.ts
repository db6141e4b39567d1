import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PingoraError } from '@pingora-ts/error';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfig, DEFAULTS, formatIssue, loadConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pingora-server-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `# a server
workers: 2
pid_file: /run/p.pid
grace_period_seconds: 2.5
services:
  - name: web
    app: ./app.mjs
    app_options: { greeting: hi }
    listeners:
      - address: 127.0.0.1:8080
      - address: "[::1]:8080"
      - path: /tmp/web.sock
      - address: 0.0.0.0:8443
        tls: { cert_file: cert.pem, key_file: key.pem, alpn: [http/1.1] }
`;

function issuesOf(text: string) {
  const checked = checkConfig(text, '/etc/pingora/server.yaml');
  expect(checked.config).toBeUndefined();
  return checked.issues;
}

describe('checkConfig', () => {
  it('reads a good configuration, resolves paths against its directory, fills defaults', () => {
    const { config, issues } = checkConfig(GOOD, '/etc/pingora/server.yaml');
    expect(issues).toEqual([]);
    expect(config).toMatchObject({
      file: '/etc/pingora/server.yaml',
      workers: 2,
      pidFile: '/run/p.pid',
      gracePeriodSeconds: 2.5,
      gracefulShutdownTimeoutSeconds: DEFAULTS.gracefulShutdownTimeoutSeconds,
      upgradeSock: DEFAULTS.upgradeSock,
      daemon: false,
    });
    const service = config?.services[0];
    expect(service?.app).toBe('/etc/pingora/app.mjs');
    expect(service?.appOptions).toEqual({ greeting: 'hi' });
    expect(service?.listeners).toEqual([
      { address: '127.0.0.1:8080' },
      { address: '[::1]:8080' },
      { path: '/tmp/web.sock' },
      {
        address: '0.0.0.0:8443',
        tls: {
          certFile: '/etc/pingora/cert.pem',
          keyFile: '/etc/pingora/key.pem',
          alpn: ['http/1.1'],
        },
      },
    ]);
  });

  it('names the line, column and key of an unknown key', () => {
    const issues = issuesOf(
      GOOD.replace(
        '      - path: /tmp/web.sock',
        '      - path: /tmp/web.sock\n        bakclog: 5',
      ),
    );
    expect(issues).toEqual([
      {
        message: 'unknown key "bakclog"',
        key: 'services[0].listeners[2].bakclog',
        line: 13,
        column: 9,
      },
    ]);
    expect(formatIssue('server.yaml', issues[0]!)).toBe(
      'server.yaml:13:9: services[0].listeners[2].bakclog: unknown key "bakclog"',
    );
  });

  it('reports wrong types, bad addresses and missing keys, each where it is', () => {
    const issues = issuesOf(`workers: many
daemon: yes please
services:
  - name: web
    listeners:
      - address: "::1:80"
      - address: 127.0.0.1:99999
      - {}
`);
    expect(issues.map((i) => [i.line, i.key, i.message])).toEqual([
      [1, 'workers', 'expected an integer'],
      [2, 'daemon', 'expected true or false'],
      [4, 'services[0].app', 'missing key "app"'],
      [6, 'services[0].listeners[0].address', 'IPv6 address "::1" needs brackets: [::1]:port'],
      [7, 'services[0].listeners[1].address', 'port 99999 is out of range 0..65535'],
      [8, 'services[0].listeners[2]', 'a listener needs exactly one of "address" or "path"'],
    ]);
  });

  it('reports YAML syntax errors at their line, and limits', () => {
    const syntax = issuesOf('workers: 2\nservices: [\n');
    expect(syntax[0]?.line).toBeGreaterThanOrEqual(2);
    expect(issuesOf('workers: 0\nservices: []\n').map((i) => i.key)).toEqual([
      'workers',
      'services',
    ]);
    expect(issuesOf('- 1\n')[0]?.message).toBe('expected a mapping of server settings');
    expect(issuesOf('workers: 1\nworkers: 2\nservices: []\n').map((i) => i.message)).toContain(
      'duplicate key "workers"',
    );
  });
});

describe('loadConfig', () => {
  it('throws InvalidConfig with file, line and key', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'services:\n  - name: a\n    app: ./a.mjs\n    listeners: [{ address: 127.0.0.1:1 }]\ngrace: 3\n',
    );
    let caught: unknown;
    try {
      loadConfig(file);
    } catch (error) {
      caught = error;
    }
    expect(PingoraError.is(caught)).toBe(true);
    const e = caught as PingoraError;
    expect(e.kind).toBe('InvalidConfig');
    expect(e.detail).toEqual({ file, line: 5, column: 1, name: 'grace' });
    expect(e.toString()).toContain(`in ${file}:5:1`);
  });

  it('throws FileReadError for a missing file', () => {
    expect(() => loadConfig(join(dir, 'none.yaml'))).toThrow(/FileReadError/);
  });
});
