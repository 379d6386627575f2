import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isReservedTopic, isReservedTopicByUrl } from '../../src/hub/publish.js';

/** Pieces that matter to the URL parser: schemes, dot segments, escapes, separators, the hub path. */
const piece = fc.constantFrom(
  'mercure',
  'Mercure',
  '.well-known',
  'well-known',
  '.WELL-KNOWN',
  '%6Dercure',
  '%2e',
  '%2E%2E',
  '%77ell-known',
  '%',
  '/',
  '//',
  '.',
  '..',
  '?',
  '#',
  '\\',
  '\t',
  '\n',
  ' ',
  ':',
  '@',
  'http:',
  'https://',
  'HTTP://',
  'urn:',
  'file://',
  'x://',
  'hub.invalid',
  'a',
  'Z9',
  '-',
  '_',
  '~',
  '+',
  'é',
  '\u200b',
);
const topic = fc.array(piece, { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));

describe('isReservedTopic without the URL parser (plain segments and plain absolute URLs)', () => {
  it('agrees with the URL parser on every topic', () => {
    fc.assert(
      fc.property(topic, (t) => {
        expect(isReservedTopic(t)).toBe(isReservedTopicByUrl(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees on arbitrary text too', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (t) => {
        expect(isReservedTopic(t)).toBe(isReservedTopicByUrl(t));
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['mercure', true],
    ['mercure/x', true],
    ['./mercure', true],
    ['?x', true],
    ['#x', true],
    ['https://example.com/.well-known/mercure', true],
    ['https://example.com/.well-known/mercure/subscriptions/x', true],
    ['https://example.com/a/../.well-known/mercure', true],
    ['https://example.com/.well-known/%6Dercure', true],
    ['http:mercure', true],
    ['publish-throughput', false],
    ['books', false],
    ['...', false],
    ['https://example.com/books/1', false],
    ['https://example.com/.well-known/mercurex', false],
    ['urn:example:mercure', false],
  ])('%s → %s', (t, reserved) => {
    expect(isReservedTopic(t)).toBe(reserved);
    expect(isReservedTopicByUrl(t)).toBe(reserved);
  });
});
