import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PingoraError } from '@pingora-ts/error';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import {
  DEFAULTS,
  type ListenerConfig,
  type ServerConfig,
  type ServiceConfig,
  type TlsListenerConfig,
} from './config.js';
import { parseHostPort } from './listener-address.js';

/** One problem found in a configuration file: what, and where. */
export interface ConfigIssue {
  /** What is wrong. */
  readonly message: string;
  /** Dotted path of the key, e.g. `services[0].listeners[1].address`. */
  readonly key: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

type Kind = 'string' | 'path' | 'boolean' | 'integer' | 'number' | 'map' | 'list';

interface Field {
  readonly kind: Kind;
  readonly required?: boolean;
  readonly min?: number;
}

// The YAML keys (snake_case, like Pingora's server conf) and their types. Anything else is an
// unknown key, which is reported: a typo must not silently fall back to a default.
const TOP: Record<string, Field> = {
  version: { kind: 'integer', min: 1 },
  workers: { kind: 'integer', min: 1 },
  pid_file: { kind: 'path' },
  daemon: { kind: 'boolean' },
  error_log: { kind: 'path' },
  upgrade_sock: { kind: 'path' },
  grace_period_seconds: { kind: 'number', min: 0 },
  graceful_shutdown_timeout_seconds: { kind: 'number', min: 0 },
  fast_shutdown_seconds: { kind: 'number', min: 0 },
  reuse_port: { kind: 'boolean' },
  restart_backoff_ms: { kind: 'integer', min: 1 },
  restart_backoff_max_ms: { kind: 'integer', min: 1 },
  drain_idle_ms: { kind: 'integer', min: 0 },
  services: { kind: 'list', required: true, min: 1 },
};
const SERVICE: Record<string, Field> = {
  name: { kind: 'string', required: true },
  app: { kind: 'path', required: true },
  app_options: { kind: 'map' },
  listeners: { kind: 'list', required: true, min: 1 },
};
const LISTENER: Record<string, Field> = {
  address: { kind: 'string' },
  path: { kind: 'path' },
  tls: { kind: 'map' },
};
const TLS: Record<string, Field> = {
  cert_file: { kind: 'path', required: true },
  key_file: { kind: 'path', required: true },
  alpn: { kind: 'list' },
};

type Value = string | number | boolean | YAMLMap | Node[] | undefined;

class Checker {
  readonly issues: ConfigIssue[] = [];
  constructor(
    private readonly lines: LineCounter,
    private readonly baseDir: string,
  ) {}

  report(node: Node | null | undefined, key: string, message: string): void {
    const offset = node?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    this.issues.push({ message, key, line: pos.line, column: pos.col });
  }

  /** Checks `map` against `fields`; returns the values by key (undefined where absent or wrong). */
  fields(map: YAMLMap, fields: Record<string, Field>, prefix: string): Map<string, Value> {
    const out = new Map<string, Value>();
    for (const pair of map.items) {
      const keyNode = pair.key as Node | null;
      const name = isScalar(keyNode) ? String(keyNode.value) : '?';
      const path = prefix === '' ? name : `${prefix}.${name}`;
      const field = fields[name];
      if (field === undefined) {
        this.report(keyNode, path, `unknown key "${name}"`);
        continue;
      }
      if (out.has(name)) {
        this.report(keyNode, path, `duplicate key "${name}"`);
        continue;
      }
      out.set(name, this.value(pair.value as Node | null, field, path));
    }
    for (const [name, field] of Object.entries(fields)) {
      if (field.required && !out.has(name) && !map.items.some((p) => keyName(p.key) === name)) {
        this.report(map, prefix === '' ? name : `${prefix}.${name}`, `missing key "${name}"`);
      }
    }
    return out;
  }

  private value(node: Node | null, field: Field, path: string): Value {
    switch (field.kind) {
      case 'map':
        if (isMap(node)) return node;
        this.report(node, path, 'expected a mapping');
        return undefined;
      case 'list':
        if (isSeq(node)) {
          if (field.min !== undefined && node.items.length < field.min) {
            this.report(node, path, `expected at least ${field.min} item(s)`);
          }
          return node.items as Node[];
        }
        this.report(node, path, 'expected a list');
        return undefined;
      default:
        break;
    }
    const raw: unknown = isScalar(node) ? node.value : undefined;
    switch (field.kind) {
      case 'string':
      case 'path':
        if (typeof raw === 'string' && raw !== '') {
          return field.kind === 'path' ? resolve(this.baseDir, raw) : raw;
        }
        this.report(node, path, 'expected a non-empty string');
        return undefined;
      case 'boolean':
        if (typeof raw === 'boolean') return raw;
        this.report(node, path, 'expected true or false');
        return undefined;
      default: {
        const isWanted =
          typeof raw === 'number' &&
          Number.isFinite(raw) &&
          (field.kind === 'number' || Number.isInteger(raw));
        if (!isWanted) {
          this.report(
            node,
            path,
            `expected ${field.kind === 'integer' ? 'an integer' : 'a number'}`,
          );
          return undefined;
        }
        if (field.min !== undefined && raw < field.min) {
          this.report(node, path, `must be at least ${field.min}`);
          return undefined;
        }
        return raw;
      }
    }
  }
}

function keyName(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

function pick<T>(values: Map<string, Value>, name: string, fallback: T): T {
  const v = values.get(name);
  return v === undefined ? fallback : (v as T);
}

function readListener(c: Checker, node: Node, key: string): ListenerConfig | undefined {
  if (!isMap(node)) {
    c.report(node, key, 'expected a mapping with "address" or "path"');
    return undefined;
  }
  const v = c.fields(node, LISTENER, key);
  const address = v.get('address') as string | undefined;
  const path = v.get('path') as string | undefined;
  const hasAddress = node.has('address');
  const hasPath = node.has('path');
  if (hasAddress === hasPath) {
    c.report(node, key, 'a listener needs exactly one of "address" or "path"');
    return undefined;
  }
  if (address !== undefined) {
    const parsed = parseHostPort(address);
    if (typeof parsed === 'string') c.report(node.get('address', true), `${key}.address`, parsed);
  }
  let tls: TlsListenerConfig | undefined;
  const tlsNode = v.get('tls') as YAMLMap | undefined;
  if (tlsNode !== undefined) {
    if (hasPath) c.report(tlsNode, `${key}.tls`, 'TLS is for TCP listeners ("address")');
    const t = c.fields(tlsNode, TLS, `${key}.tls`);
    const alpnItems = t.get('alpn') as Node[] | undefined;
    const alpn: string[] = [];
    alpnItems?.forEach((item, i) => {
      if (isScalar(item) && typeof item.value === 'string') alpn.push(item.value);
      else c.report(item, `${key}.tls.alpn[${i}]`, 'expected a protocol name');
    });
    tls = {
      certFile: t.get('cert_file') as string,
      keyFile: t.get('key_file') as string,
      ...(alpnItems === undefined ? {} : { alpn }),
    };
  }
  return {
    ...(address === undefined ? {} : { address }),
    ...(path === undefined ? {} : { path }),
    ...(tls === undefined ? {} : { tls }),
  };
}

function readService(c: Checker, node: Node, key: string): ServiceConfig | undefined {
  if (!isMap(node)) {
    c.report(node, key, 'expected a mapping');
    return undefined;
  }
  const v = c.fields(node, SERVICE, key);
  const listeners: ListenerConfig[] = [];
  (v.get('listeners') as Node[] | undefined)?.forEach((item, i) => {
    const l = readListener(c, item, `${key}.listeners[${i}]`);
    if (l !== undefined) listeners.push(l);
  });
  const options = v.get('app_options') as YAMLMap | undefined;
  return {
    name: v.get('name') as string,
    app: v.get('app') as string,
    ...(options === undefined
      ? {}
      : { appOptions: options.toJSON() as Readonly<Record<string, unknown>> }),
    listeners,
  };
}

/**
 * Parses and validates a YAML server configuration. Returns the configuration with defaults
 * filled in, or every problem found, each with its line, column and key. `file` names the
 * source in messages and is the base of relative paths.
 */
export function checkConfig(
  text: string,
  file: string,
): { config: ServerConfig; issues: [] } | { config: undefined; issues: ConfigIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const c = new Checker(lines, dirname(resolve(file)));
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    c.issues.push({ message: e.message.split('\n')[0] ?? e.message, key: '', ...lineCol(pos) });
  }
  if (c.issues.length > 0) return { config: undefined, issues: c.issues };
  const root = doc.contents;
  if (!isMap(root)) {
    c.report(root, '', 'expected a mapping of server settings');
    return { config: undefined, issues: c.issues };
  }
  const v = c.fields(root, TOP, '');
  if (v.get('version') !== undefined && v.get('version') !== 1) {
    c.report(root.get('version', true), 'version', 'only version 1 is known');
  }
  const services: ServiceConfig[] = [];
  (v.get('services') as Node[] | undefined)?.forEach((item, i) => {
    const s = readService(c, item, `services[${i}]`);
    if (s !== undefined) services.push(s);
  });
  const backoff = pick(v, 'restart_backoff_ms', DEFAULTS.restartBackoffMs as number);
  const backoffMax = pick(v, 'restart_backoff_max_ms', DEFAULTS.restartBackoffMaxMs as number);
  if (backoffMax < backoff) {
    c.report(
      root.get('restart_backoff_max_ms', true) ?? root,
      'restart_backoff_max_ms',
      'must be at least restart_backoff_ms',
    );
  }
  if (c.issues.length > 0) return { config: undefined, issues: c.issues };
  return {
    config: {
      file: resolve(file),
      workers: pick(v, 'workers', DEFAULTS.workers as number),
      pidFile: pick(v, 'pid_file', DEFAULTS.pidFile as string),
      daemon: pick(v, 'daemon', DEFAULTS.daemon as boolean),
      errorLog: pick<string | undefined>(v, 'error_log', DEFAULTS.errorLog),
      upgradeSock: pick(v, 'upgrade_sock', DEFAULTS.upgradeSock as string),
      gracePeriodSeconds: pick(v, 'grace_period_seconds', DEFAULTS.gracePeriodSeconds as number),
      gracefulShutdownTimeoutSeconds: pick(
        v,
        'graceful_shutdown_timeout_seconds',
        DEFAULTS.gracefulShutdownTimeoutSeconds as number,
      ),
      fastShutdownSeconds: pick(v, 'fast_shutdown_seconds', DEFAULTS.fastShutdownSeconds as number),
      reusePort: pick(v, 'reuse_port', DEFAULTS.reusePort as boolean),
      restartBackoffMs: backoff,
      restartBackoffMaxMs: backoffMax,
      drainIdleMs: pick(v, 'drain_idle_ms', DEFAULTS.drainIdleMs as number),
      services,
    },
    issues: [],
  };
}

function lineCol(pos: { line: number; col: number }): { line: number; column: number } {
  return { line: pos.line, column: pos.col };
}

/** The {@link PingoraError} (kind `InvalidConfig`) that reports `issue` of `file`. */
export function configError(file: string, issue: ConfigIssue): PingoraError {
  return PingoraError.explain('InvalidConfig', issue.message, {
    detail: {
      file,
      line: issue.line,
      column: issue.column,
      ...(issue.key === '' ? {} : { name: issue.key }),
    },
  });
}

/**
 * Reads and validates the YAML server configuration at `file`.
 *
 * @throws PingoraError `FileReadError` when the file cannot be read, `InvalidConfig` (with
 * `detail.file`, `line`, `column` and `name`: the key) for the first problem found.
 */
export function loadConfig(file: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw PingoraError.because('FileReadError', `reading server config ${file}`, cause, {
      detail: { file },
    });
  }
  const checked = checkConfig(text, file);
  if (checked.config === undefined) {
    throw configError(file, checked.issues[0] as ConfigIssue);
  }
  return checked.config;
}

/** `file:line:column: key: message`, the line `-t` prints for each issue. */
export function formatIssue(file: string, issue: ConfigIssue): string {
  return `${file}:${issue.line}:${issue.column}: ${issue.key === '' ? '' : `${issue.key}: `}${issue.message}`;
}
