// Test-side driver: runs the head parser and body decoder over a byte stream the way a server
// or client would (pipelining, upgrades), recording each message. Not part of the package.
import { PingoraError } from '@pingora-ts/error';
import {
  BodyDecoder,
  type ParseOptions,
  RequestHeadParser,
  ResponseHeadParser,
} from '../src/index.js';

export interface StreamMessage {
  method?: string;
  url?: string;
  status?: number;
  reason?: string;
  version: string;
  headers: [string, string][];
  trailers: [string, string][];
  body: Buffer;
  complete: boolean;
}

export interface StreamResult {
  ok: boolean;
  error?: PingoraError;
  messages: StreamMessage[];
  /** Absolute offset where HTTP stopped for an upgrade, if it did. */
  upgradeOffset?: number;
  /** Input ended inside a message. */
  incomplete: boolean;
}

/** Parses `chunks` as a stream of messages of `type`; `eof` ends a close-delimited body. */
export function parseStream(
  type: 'request' | 'response',
  chunks: readonly Uint8Array[],
  options?: ParseOptions,
  eof = false,
): StreamResult {
  const isRequest = type === 'request';
  const req = new RequestHeadParser(options);
  const res = new ResponseHeadParser(options);
  const messages: StreamMessage[] = [];
  let decoder: BodyDecoder | undefined;
  let current: StreamMessage | undefined;
  let bodyParts: Uint8Array[] = [];
  let upgradeAfterBody = false;
  let absolute = 0;
  const finish = (): void => {
    if (current === undefined) return;
    current.body = Buffer.concat(bodyParts);
    if (decoder?.trailers !== undefined) current.trailers = [...decoder.trailers];
    current.complete = true;
    decoder = undefined;
    bodyParts = [];
  };
  try {
    for (const chunk of chunks) {
      let pos = 0;
      while (pos < chunk.length) {
        if (decoder === undefined) {
          // Pipelined heads are parsed in place (push's start), as a server would.
          const parsed = isRequest ? req.push(chunk, pos) : res.push(chunk, 'GET', pos);
          if (parsed === null) {
            pos = chunk.length;
            break;
          }
          pos += parsed.consumed;
          const head = parsed.head;
          current = {
            version: head.version,
            headers: [...head.headers],
            trailers: [],
            body: Buffer.alloc(0),
            complete: false,
          };
          if ('method' in head) {
            current.method = head.method;
            current.url = head.rawTarget;
          } else {
            current.status = head.status;
            current.reason = head.reason;
          }
          messages.push(current);
          bodyParts = [];
          decoder = new BodyDecoder(parsed.body, type, options);
          upgradeAfterBody = parsed.upgrade || parsed.body.kind === 'upgrade';
        }
        const r = decoder.push(chunk.subarray(pos));
        pos += r.consumed;
        for (const d of r.data) bodyParts.push(Buffer.from(d));
        if (r.done) {
          finish();
          if (upgradeAfterBody) {
            return { ok: true, messages, upgradeOffset: absolute + pos, incomplete: false };
          }
        }
      }
      absolute += chunk.length;
    }
    if (eof && decoder !== undefined) {
      decoder.end();
      finish();
    } else if (eof) {
      (isRequest ? req : res).end();
    }
  } catch (e) {
    if (!(e instanceof PingoraError)) throw e;
    return { ok: false, error: e, messages, incomplete: false };
  }
  const incomplete = decoder !== undefined || (isRequest ? req.pendingBytes : res.pendingBytes) > 0;
  return { ok: true, messages, incomplete };
}

/** Splits `input` into pieces of `size` bytes. */
export function splitEvery(input: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) out.push(input.subarray(i, i + size));
  return out;
}
