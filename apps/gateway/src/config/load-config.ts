import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PingoraError } from '@pingora-ts/error';
import { type ConfigIssue, configError } from '@pingora-ts/server';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type GatewayConfig, gatewayConfigSchema } from './config-schema.js';
import { interpolate } from './interpolate.js';

/** What {@link checkConfigText} finds: the config, or every issue with its place. */
export type CheckedConfig =
  | { readonly config: GatewayConfig; readonly issues: readonly [] }
  | { readonly config: undefined; readonly issues: readonly ConfigIssue[] };

/**
 * Parses and validates gateway configuration text. YAML syntax errors, unknown keys, wrong
 * types and semantic errors (a route naming an unknown upstream) are all reported with the
 * line and column of the offending node and the dotted key (`routes[2].rate_limit.burst`).
 * `${NAME}` and `${NAME:-default}` in string values are replaced from `vars` first.
 */
export function checkConfigText(
  text: string,
  vars: Readonly<Record<string, string | undefined>> = process.env,
  baseDir?: string,
): CheckedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    return {
      config: undefined,
      issues: doc.errors.map((e) => ({
        message: e.message.split('\n')[0] ?? e.message,
        key: '',
        ...at(e.pos[0]),
      })),
    };
  }
  const raw = interpolate(doc.toJS() ?? {}, vars);
  const parsed = gatewayConfigSchema.safeParse(raw);
  const found = parsed.success
    ? baseDir === undefined
      ? []
      : missingFiles(parsed.data, baseDir)
    : parsed.error.issues;
  if (parsed.success && found.length === 0) return { config: parsed.data, issues: [] };
  const issues = found.flatMap((issue) => placeIssue(doc.contents, issue, at));
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  return { config: undefined, issues };
}

/**
 * Reads and validates the gateway configuration file `file`.
 *
 * @throws PingoraError `FileReadError` when unreadable; `InvalidConfig` with `detail.file`,
 * `line`, `column` and `name` (the key) for the first problem, and every problem in
 * `detail.issues`.
 */
export function loadConfigFile(
  file: string,
  vars: Readonly<Record<string, string | undefined>> = process.env,
): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw PingoraError.because('FileReadError', `reading gateway config ${file}`, cause, {
      detail: { file },
    });
  }
  return parseConfig(text, file, vars, dirname(resolve(file)));
}

/**
 * Like {@link loadConfigFile} for text already read; `file` names it in errors. With
 * `baseDir`, the files the config names (certificates, CA files, backend lists) must exist.
 */
export function parseConfig(
  text: string,
  file: string,
  vars: Readonly<Record<string, string | undefined>> = process.env,
  baseDir?: string,
): GatewayConfig {
  const checked = checkConfigText(text, vars, baseDir);
  if (checked.config !== undefined) return checked.config;
  const first = checked.issues[0] as ConfigIssue;
  const error = configError(file, first);
  return throwWithIssues(error, checked.issues);
}

function throwWithIssues(error: PingoraError, issues: readonly ConfigIssue[]): never {
  Object.defineProperty(error, 'issues', { value: issues, enumerable: false });
  throw error;
}

/** The issues attached to an `InvalidConfig` error thrown by {@link loadConfigFile}. */
export function issuesOf(error: unknown): readonly ConfigIssue[] {
  const issues = (error as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) ? (issues as ConfigIssue[]) : [];
}

type Position = { line: number; column: number };

/** The files a valid config names that cannot be read, as issues on their keys. */
function missingFiles(config: GatewayConfig, baseDir: string): z.core.$ZodIssue[] {
  const wanted: [PropertyKey[], string][] = [];
  config.listeners.forEach((l, i) => {
    if (l.tls?.cert_file !== undefined)
      wanted.push([['listeners', i, 'tls', 'cert_file'], l.tls.cert_file]);
    if (l.tls?.key_file !== undefined)
      wanted.push([['listeners', i, 'tls', 'key_file'], l.tls.key_file]);
  });
  for (const [name, u] of Object.entries(config.upstreams ?? {})) {
    if (u.tls?.ca_file !== undefined)
      wanted.push([['upstreams', name, 'tls', 'ca_file'], u.tls.ca_file]);
    const d = u.discovery;
    if (d !== undefined && 'file' in d)
      wanted.push([['upstreams', name, 'discovery', 'file', 'path'], d.file.path]);
  }
  const issues: z.core.$ZodIssue[] = [];
  for (const [path, file] of wanted) {
    const full = resolve(baseDir, file);
    try {
      accessSync(full, constants.R_OK);
    } catch {
      issues.push({
        code: 'custom',
        path,
        message: `cannot read ${full}`,
        input: file,
      } as z.core.$ZodIssue);
    }
  }
  return issues;
}

/** Turns one zod issue into issues placed on the YAML node its path names. */
function placeIssue(
  root: unknown,
  issue: z.core.$ZodIssue,
  at: (offset: number) => Position,
): ConfigIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const { node, depth } = nodeAt(root, path);
  const key = dotted(path);
  if (issue.code === 'unrecognized_keys' && depth === path.length && isMap(node)) {
    return issue.keys.map((name) => {
      const pair = node.items.find((p) => scalarValue(p.key) === name);
      const keyNode = pair?.key as Node | undefined;
      return {
        message: `unknown key "${name}"`,
        key: dotted([...path, name]),
        ...at(keyNode?.range?.[0] ?? 0),
      };
    });
  }
  const offset = (node as Node | undefined)?.range?.[0] ?? 0;
  let message = issue.message;
  if (depth < path.length && issue.code === 'invalid_type') {
    message = `missing key "${String(path[path.length - 1])}" (${issue.message})`;
  }
  return [{ message, key, ...at(offset) }];
}

/** The deepest YAML node along `path`, and how many path steps it got through. */
function nodeAt(
  root: unknown,
  path: readonly (string | number)[],
): { node: unknown; depth: number } {
  let node = root;
  let depth = 0;
  for (const step of path) {
    let next: unknown;
    if (isMap(node)) next = node.get(step, true);
    else if (isSeq(node) && typeof step === 'number') next = node.get(step, true);
    if (next === undefined || next === null) break;
    node = next;
    depth++;
  }
  return { node, depth };
}

function scalarValue(node: unknown): unknown {
  return node !== null && typeof node === 'object' && 'value' in node
    ? (node as { value: unknown }).value
    : node;
}

function dotted(path: readonly (string | number)[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}
