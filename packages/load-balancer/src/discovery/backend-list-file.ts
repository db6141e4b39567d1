import { PingoraError } from '@pingora-ts/error';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { Backend } from '../backend.js';

/**
 * Parses a backend list file. JSON is read by the YAML parser too (YAML 1.2 is a superset of
 * JSON), so both get line numbers in errors. The document is either a list or a map with a
 * `backends` list; each entry is `"host:port"` or `{ addr, weight?, metadata? }`.
 *
 * ```yaml
 * backends:
 *   - 10.0.0.1:8080
 *   - { addr: 10.0.0.2:8080, weight: 3, metadata: { zone: b } }
 * ```
 *
 * @throws PingoraError `InvalidConfig` with the file and line of the first problem.
 */
export function parseBackendList(text: string, file: string): Backend[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const fail = (message: string, offset: number | undefined, name?: string): never => {
    const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
    throw PingoraError.explain('InvalidConfig', `${file}: ${message}`, {
      detail: {
        file,
        ...(pos === undefined ? {} : { line: pos.line, column: pos.col }),
        ...(name === undefined ? {} : { name }),
      },
    });
  };
  const syntax = doc.errors[0];
  if (syntax !== undefined) fail(syntax.message.split('\n')[0]!, syntax.pos[0]);
  let list: unknown = doc.contents;
  let path = '';
  if (isMap(list)) {
    list = list.get('backends', true);
    path = 'backends';
  }
  if (!isSeq(list)) {
    return fail(
      'expected a list of backends, or a map with a "backends" list',
      offsetOf(doc.contents),
    );
  }
  const backends: Backend[] = [];
  for (const [i, item] of list.items.entries()) {
    const where = `${path}[${i}]`;
    const node = item as Node | null;
    try {
      backends.push(entryToBackend(node));
    } catch (error) {
      if (error instanceof PingoraError) throw error;
      fail((error as Error).message, offsetOf(node), where);
    }
  }
  return backends;
}

function entryToBackend(node: Node | null): Backend {
  if (isScalar(node) && typeof node.value === 'string') return Backend.parse(node.value);
  if (!isMap(node)) throw new TypeError('a backend is "host:port" or { addr, weight, metadata }');
  const value = node.toJSON() as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (key !== 'addr' && key !== 'weight' && key !== 'metadata') {
      throw new TypeError(`unknown backend field ${JSON.stringify(key)}`);
    }
  }
  if (typeof value.addr !== 'string') throw new TypeError('backend "addr" must be "host:port"');
  const weight = value.weight ?? 1;
  if (typeof weight !== 'number') throw new TypeError('backend "weight" must be a number');
  const metadata = value.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TypeError('backend "metadata" must be a map');
  }
  return Backend.parse(value.addr, weight, metadata as Record<string, unknown>);
}

function offsetOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}
