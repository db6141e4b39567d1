import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PingoraError } from '@pingora-ts/error';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileDiscovery, LoadBalancer, parseBackendList } from '../src/index.js';
import { trackHandles } from './leak-check.js';

let checkHandles: () => Promise<void>;
beforeAll(() => {
  checkHandles = trackHandles();
});
afterAll(() => checkHandles());

function caught(run: () => unknown): PingoraError {
  try {
    run();
  } catch (error) {
    expect(PingoraError.is(error)).toBe(true);
    return error as PingoraError;
  }
  throw new Error('no error');
}

describe('parseBackendList', () => {
  it('reads YAML and JSON lists and { backends } maps', () => {
    const yaml =
      'backends:\n  - 10.0.0.1:80\n  - { addr: "[::1]:81", weight: 3, metadata: { zone: b } }\n';
    expect(parseBackendList(yaml, 'u.yaml').map((b) => [b.addr, b.weight, b.metadata])).toEqual([
      ['10.0.0.1:80', 1, {}],
      ['[::1]:81', 3, { zone: 'b' }],
    ]);
    const json = '[\n  "10.0.0.1:80",\n  {"addr": "10.0.0.2:80", "weight": 2}\n]';
    expect(parseBackendList(json, 'u.json').map((b) => b.addr)).toEqual([
      '10.0.0.1:80',
      '10.0.0.2:80',
    ]);
    expect(parseBackendList('backends: []', 'e.yaml')).toEqual([]);
  });

  it('rejects bad files with InvalidConfig, the file and the line', () => {
    const cases: Array<[string, number | undefined, string | undefined]> = [
      ['backends:\n  - 10.0.0.1:80\n  - 10.0.0.2\n', 3, 'backends[1]'],
      ['backends:\n  - addr: 10.0.0.1:80\n    weight: 0\n', 2, 'backends[0]'],
      ['- { addr: 10.0.0.1:80, colour: red }\n', 1, '[0]'],
      ['- { addr: 10.0.0.1:80, metadata: [1] }\n', 1, '[0]'],
      ['[\n  "10.0.0.1:80",\n  {"addr": 5}\n]', 3, '[1]'],
      ['backends: {}\n', 1, undefined],
      ['backends:\n  - [unclosed\n', 3, undefined],
      ['42', 1, undefined],
    ];
    for (const [text, line, name] of cases) {
      const e = caught(() => parseBackendList(text, '/etc/u.yaml'));
      expect(e.kind).toBe('InvalidConfig');
      expect(e.detail?.file).toBe('/etc/u.yaml');
      expect(e.detail?.line).toBe(line);
      expect(e.detail?.name).toBe(name);
      expect(e.message).toContain('/etc/u.yaml');
    }
  });
});

describe('FileDiscovery', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file and reports a missing one as FileOpenError', async () => {
    const file = join(dir, 'upstreams.json');
    await expect(new FileDiscovery(file).discover()).rejects.toMatchObject({
      kind: 'FileOpenError',
    });
    writeFileSync(file, '["127.0.0.1:1", "127.0.0.1:2"]');
    const result = await new FileDiscovery(file).discover();
    expect(result.backends.map((b) => b.port)).toEqual([1, 2]);
  });

  it('picks up edits and atomic replacements through the watch, keeping the set on a bad file', async () => {
    const file = join(dir, 'upstreams.yaml');
    writeFileSync(file, '- 127.0.0.1:1\n');
    const lb = new LoadBalancer({
      discovery: new FileDiscovery(file),
      discoveryIntervalMs: 3_600_000,
    });
    const errors: string[] = [];
    lb.onError((e) => errors.push(e.kind));
    const ports = () => lb.backends.list.map((b) => b.port).join(',');
    const until = async (want: () => boolean) => {
      for (let i = 0; i < 300 && !want(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      lb.start();
      await until(() => ports() === '1');
      expect(ports()).toBe('1');
      writeFileSync(file, '- 127.0.0.1:1\n- 127.0.0.1:2\n');
      await until(() => ports() === '1,2');
      expect(ports()).toBe('1,2');
      // Deploy tools write a new file and rename it over the old one.
      writeFileSync(join(dir, 'next.tmp'), 'backends: [127.0.0.1:3]\n');
      renameSync(join(dir, 'next.tmp'), file);
      await until(() => ports() === '3');
      expect(ports()).toBe('3');
      writeFileSync(file, 'backends: [127.0.0.1:\n');
      await until(() => errors.length > 0);
      expect(errors[0]).toBe('InvalidConfig');
      expect(ports()).toBe('3');
    } finally {
      await lb.stop();
    }
  });
});
