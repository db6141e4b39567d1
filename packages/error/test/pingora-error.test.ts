import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_KINDS, PingoraError } from '../src/index.js';

describe('PingoraError', () => {
  it('is an Error with kind, source, retry and a one-line chain', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    });
    const e = PingoraError.because('ConnectRefused', 'connecting to 127.0.0.1:9', cause)
      .intoUpstream()
      .moreContext('GET /');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('PingoraError');
    expect(e.kind).toBe('ConnectRefused');
    expect(e.source).toBe('upstream');
    expect(e.cause).toBe(cause);
    expect(e.contexts).toEqual(['connecting to 127.0.0.1:9', 'GET /']);
    expect(e.toString()).toBe(
      'ConnectRefused (upstream): GET /: connecting to 127.0.0.1:9; cause: Error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(e.message).toBe(e.toString());
    expect(e.toString()).not.toContain('\n');
  });

  it('prints nested PingoraError causes on the same line', () => {
    const inner = PingoraError.explain('ReadTimedout', 'reading head').intoUpstream();
    const outer = PingoraError.because('H1Error', 'proxying', inner);
    expect(outer.toString()).toBe(
      'H1Error (internal): proxying; cause: ReadTimedout (upstream): reading head',
    );
    expect(outer.rootCause()).toBe(inner);
  });

  it('prints the detail: rule, name, offset, file and line', () => {
    const e = PingoraError.explain('InvalidHTTPHeader', 'parsing request head', {
      source: 'downstream',
      detail: { rule: 'RFC 9112 5.1: no whitespace before the colon', name: 'Host', offset: 17 },
    });
    expect(e.toString()).toBe(
      'InvalidHTTPHeader (downstream): parsing request head [RFC 9112 5.1: no whitespace before the colon, name "Host", at byte 17]',
    );
    const c = PingoraError.explain('InvalidConfig', 'loading config', {
      detail: { file: 'gateway.yaml', line: 3, column: 5 },
    });
    expect(c.toString()).toBe('InvalidConfig (internal): loading config [in gateway.yaml:3:5]');
  });

  it('re-sources and sets the retry decision', () => {
    const e = PingoraError.new('ConnectionClosed');
    expect(e.source).toBe('internal');
    expect(e.intoDownstream().source).toBe('downstream');
    expect(e.downstreamStatus()).toBeUndefined();
    expect(e.intoUpstream().downstreamStatus()).toBe(502);
    expect(e.intoInternal().source).toBe('internal');
    expect(e.canRetry(true)).toBe(true);
    expect(e.canRetry(false)).toBe(false);
    e.setRetry('never');
    expect(e.canRetry(true)).toBe(false);
    e.setRetry('always');
    expect(e.canRetry(false)).toBe(true);
  });

  it('from() keeps a PingoraError and wraps anything else', () => {
    const e = PingoraError.new('NoPeer');
    expect(PingoraError.from(e, 'InternalError', 'selecting')).toBe(e);
    expect(e.contexts).toEqual(['selecting']);
    const wrapped = PingoraError.from('boom');
    expect(wrapped.kind).toBe('InternalError');
    expect(wrapped.cause).toBe('boom');
    expect(PingoraError.is(wrapped)).toBe(true);
    expect(PingoraError.is(new Error('x'))).toBe(false);
  });

  it('wrapping never loses the original cause, however deep (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom(...ERROR_KINDS.filter((k) => k !== 'HTTPStatus')),
            context: fc.string(),
            source: fc.constantFrom('upstream', 'downstream', 'internal' as const),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.anything(),
        (layers, original) => {
          let current: unknown = original;
          for (const layer of layers) {
            current = PingoraError.because(layer.kind, layer.context, current, {
              source: layer.source,
            });
          }
          const top = current as PingoraError;
          // Walk the chain back down: every layer's kind and context, then the original.
          let node: unknown = top;
          for (let i = layers.length - 1; i >= 0; i--) {
            expect(node).toBeInstanceOf(PingoraError);
            expect((node as PingoraError).kind).toBe(layers[i]!.kind);
            expect((node as PingoraError).contexts[0]).toBe(layers[i]!.context);
            node = (node as PingoraError).cause;
          }
          expect(Object.is(node, original)).toBe(true);
          expect(typeof top.toString()).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });
});
