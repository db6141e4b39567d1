// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text with literal ${NAME} references.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PingoraError } from '@pingora-ts/error';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkConfigText,
  DEFAULT_CONFIG,
  interpolate,
  issuesOf,
  loadConfigFile,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALID = `version: 1
listeners:
  - address: "127.0.0.1:8080"
upstreams:
  app:
    backends: ["127.0.0.1:3000", { address: "127.0.0.1:3001", weight: 2 }]
routes:
  - name: api
    match: { paths: ["/api/**"] }
    upstream: app
`;

function issues(text: string) {
  const checked = checkConfigText(text, {});
  expect(checked.config).toBeUndefined();
  return checked.issues;
}

describe('gateway config', () => {
  it('accepts a valid file and keeps its values', () => {
    const checked = checkConfigText(VALID, {});
    expect(checked.issues).toEqual([]);
    expect(checked.config?.routes[0]?.upstream).toBe('app');
    expect(checked.config?.upstreams?.app?.backends?.[1]).toEqual({
      address: '127.0.0.1:3001',
      weight: 2,
    });
  });

  it('names line, column and key of an unknown key', () => {
    const text = VALID.replace('    upstream: app', '    upstream: app\n    retires: 3');
    expect(issues(text)).toEqual([
      { message: 'unknown key "retires"', key: 'routes[0].retires', line: 11, column: 5 },
    ]);
  });

  it('names line, column and key of a wrong type', () => {
    const text = VALID.replace('name: api', 'name: api\n    retries: "three"');
    const [issue] = issues(text);
    expect(issue).toMatchObject({ key: 'routes[0].retries', line: 9, column: 14 });
    expect(issue?.message).toMatch(/number/);
  });

  it('reports YAML syntax errors with their place', () => {
    const [issue] = issues('listeners:\n  - address: "127.0.0.1:80\nroutes: []\n');
    expect(issue?.line).toBeGreaterThanOrEqual(2);
    expect(issue?.key).toBe('');
    expect(issue?.message.length).toBeGreaterThan(0);
  });

  it('reports a route naming an unknown upstream at its upstream key', () => {
    const [issue] = issues(VALID.replace('upstream: app', 'upstream: ap'));
    expect(issue).toMatchObject({ key: 'routes[0].upstream', line: 10, column: 15 });
    expect(issue?.message).toBe('unknown upstream "ap" (known: app)');
  });

  it('reports a missing required key at the mapping that lacks it', () => {
    const [issue] = issues('listeners:\n  - name: x\nroutes:\n  - respond: { status: 200 }\n');
    expect(issue).toMatchObject({ key: 'listeners[0].address', line: 2, column: 5 });
    expect(issue?.message).toMatch(/missing key "address"/);
  });

  it('reports every problem, in file order', () => {
    const text = `listeners: [{ address: "nope" }]
routes:
  - match: { paths: ["/a/**/b"], methods: [get] }
    upstream: missing
`;
    const found = issues(text);
    expect(found.map((i) => i.key)).toEqual([
      'listeners[0].address',
      'routes[0].match.paths[0]',
      'routes[0].match.methods[0]',
      'routes[0].upstream',
    ]);
  });

  it('rejects a rate limit keyed by a claim on a route without jwt', () => {
    const text = VALID.replace(
      'upstream: app',
      'upstream: app\n    rate_limit: { key: "claim:sub", rate_per_second: 1 }',
    );
    expect(issues(text)[0]?.key).toBe('routes[0].rate_limit.key');
  });

  it('loadConfigFile throws InvalidConfig with file, line and column', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, VALID.replace('listeners:', 'listener:'));
    let error: unknown;
    try {
      loadConfigFile(file, {});
    } catch (e) {
      error = e;
    }
    expect(PingoraError.is(error)).toBe(true);
    expect((error as PingoraError).kind).toBe('InvalidConfig');
    // The missing key is placed on the mapping that lacks it (the document, line 1).
    expect((error as PingoraError).detail).toMatchObject({ file, line: 1, column: 1 });
    expect(issuesOf(error).map((i) => [i.key, i.line])).toEqual([
      ['listeners', 1],
      ['listener', 2],
    ]);
  });

  it('with a base directory, files the config names must be readable', () => {
    writeFileSync(join(dir, 'cert.pem'), 'x');
    const text = `listeners:
  - address: "127.0.0.1:8443"
    tls: { cert_file: cert.pem, key_file: missing-key.pem }
upstreams:
  app:
    discovery: { file: { path: nowhere.yaml } }
routes: [{ upstream: app }]
`;
    const checked = checkConfigText(text, {}, dir);
    expect(checked.issues).toEqual([
      {
        key: 'listeners[0].tls.key_file',
        line: 3,
        column: 43,
        message: `cannot read ${join(dir, 'missing-key.pem')}`,
      },
      {
        key: 'upstreams.app.discovery.file.path',
        line: 6,
        column: 32,
        message: `cannot read ${join(dir, 'nowhere.yaml')}`,
      },
    ]);
    // Without one (text not from a file), only the schema is checked.
    expect(checkConfigText(text, {}).issues).toEqual([]);
  });

  it('loadConfigFile reports an unreadable file as FileReadError', () => {
    expect(() => loadConfigFile(join(dir, 'missing.yaml'))).toThrow(/FileReadError/);
  });

  it('interpolates ${NAME} and ${NAME:-default} in values only', () => {
    expect(interpolate({ a: '${X}:${Y:-9}', b: ['$${X}'], c: 3 }, { X: 'x' })).toEqual({
      a: 'x:9',
      b: ['${X}'],
      c: 3,
    });
  });

  it('the embedded default config is valid once its demo variables are known', () => {
    const checked = checkConfigText(DEFAULT_CONFIG, {
      DEMO_UPSTREAM_1: '127.0.0.1:1',
      DEMO_UPSTREAM_2: '127.0.0.1:2',
      DEMO_JWT_SECRET: 's',
    });
    expect(checked.issues).toEqual([]);
    expect(checked.config?.listeners.map((l) => l.address)).toEqual([
      '127.0.0.1:8080',
      '127.0.0.1:8443',
    ]);
  });
});
