/**
 * Fuzzing, bounded in runs, of what the hub reads from a request before anything else: the
 * form encoding of a publish body or a query (`assertFormEncoding` + `URLSearchParams`), the
 * publication's fields (`Hub.checkPublishInput`), and the subscribe query (`parseSubscribeRequest`).
 * Each parse either gives a value or throws the error the router turns into a 4xx; nothing else
 * escapes, and no single parse takes long.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors.js';
import { assertFormEncoding } from '../../src/http/form-encoding.js';
import { toHttpError } from '../../src/http/send.js';
import { parseSubscribeRequest } from '../../src/http/subscribe-request.js';
import { defaultPublishLimits, toNewEvent } from '../../src/hub/index.js';

/** A generous bound on one parse: the measured figures are microseconds. */
const MAX_PARSE_MS = 50;
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

/** Pieces of form text: escapes good and bad, separators, prototype-named names, any text. */
const formPiece = fc.oneof(
  fc.constantFrom('%', '%Z', '%ZZ', '%2', '%41', '%C3%A9', '%C3%28', '%FF', '%ED%A0%80', '%F0%9F%8D%AE', '+'),
  fc.constantFrom('&', '=', 'topic', 'data', 'id', 'type', 'retry', 'private', 'match', 'match_exact'),
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const formText = fc.array(formPiece, { maxLength: 30 }).map((pieces) => pieces.join(''));

/** Runs `parse`, returns its status as the router would answer it (200 when it returned). */
function statusOf(parse: () => unknown): number {
  const startMs = performance.now();
  try {
    parse();
    return 200;
  } catch (error) {
    const http = toHttpError(error);
    if (http === undefined) throw error;
    return http.status;
  } finally {
    expect(performance.now() - startMs).toBeLessThan(MAX_PARSE_MS);
  }
}

describe('the form encoding', () => {
  it('gives a 400 or parameters that hold no U+FFFD the text did not spell', () => {
    fc.assert(
      fc.property(formText, (text) => {
        const status = statusOf(() => assertFormEncoding(text, 'body'));
        expect([200, 400]).toContain(status);
        if (status !== 200) return;
        const spelled = text.includes('\uFFFD') || /%EF%BF%BD/i.test(text);
        for (const [name, value] of new URLSearchParams(text)) {
          if (!spelled) expect(`${name}${value}`).not.toContain('\uFFFD');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a publication read from a form', () => {
  it('is accepted or refused with 400/413, whatever its fields', () => {
    fc.assert(
      fc.property(formText, (text) => {
        const status = statusOf(() => {
          assertFormEncoding(text, 'body');
          const form = new URLSearchParams(text);
          toNewEvent(
            {
              topics: form.getAll('topic'),
              data: form.get('data') ?? undefined,
              isPrivate: form.has('private'),
              id: form.get('id') ?? undefined,
              type: form.get('type') ?? undefined,
              retry: form.get('retry') ?? undefined,
            },
            defaultPublishLimits,
            () => 'urn:uuid:generated',
          );
        });
        expect([200, 400, 413]).toContain(status);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the subscribe query', () => {
  const options = { maxSelectors: 32, baseUrl: undefined };

  it('is a subscription or a 400, whatever its parameters', () => {
    fc.assert(
      fc.property(formText, (text) => {
        const status = statusOf(() => {
          assertFormEncoding(text, 'query');
          parseSubscribeRequest(new URLSearchParams(text), {}, options);
        });
        expect([200, 400]).toContain(status);
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores every unknown name alike, Object.prototype member names included', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.stringMatching(/^[a-ln-z_][a-z_]{0,11}$/)),
        fc.string({ maxLength: 8 }),
        (name, value) => {
          fc.pre(!['topic', 'transport', 'timeoutMs'].includes(name) && !name.startsWith('last'));
          const query = new URLSearchParams([
            ['topic', 'https://example.com/a'],
            [name, value],
          ]);
          const parsed = parseSubscribeRequest(query, {}, options);
          expect(parsed.selectors).toHaveLength(1);
          expect(parsed.transport).toBe('sse');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses with 400 naming the parameter, an HttpError or a selector error the router maps', () => {
    const refused = () =>
      parseSubscribeRequest(new URLSearchParams('topic=a&transport=__proto__'), {}, options);
    expect(refused).toThrow(HttpError);
    expect(refused).toThrow(/"transport"/);
  });
});
