import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidPercentEncoding } from '../../src/http/form-encoding.js';

/** The reference: every name and value of the form decodes (`+` as a space). */
function decodesPairByPair(text: string): boolean {
  for (const pair of text.split('&')) {
    const equals = pair.indexOf('=');
    for (const part of equals < 0 ? [pair] : [pair.slice(0, equals), pair.slice(equals + 1)]) {
      try {
        decodeURIComponent(part.replaceAll('+', ' '));
      } catch {
        return false;
      }
    }
  }
  return true;
}

const percentEscape = fc
  .integer({ min: 0, max: 255 })
  .map((byte) => `%${byte.toString(16).padStart(2, '0')}`);
const upperEscape = percentEscape.map((e) => e.toUpperCase());
const piece = fc.oneof(
  percentEscape,
  upperEscape,
  fc.constantFrom('%', '%G0', '%0', '&', '=', '+', 'a', 'topic', 'data', 'é', '\u{1F600}', '%%', '%E2%82%AC'),
  fc
    .integer({ min: 0, max: 0x10ffff })
    .map((code) => (code >= 0xd800 && code <= 0xdfff ? 'x' : encodeURIComponent(String.fromCodePoint(code)))),
);
const form = fc.array(piece, { maxLength: 16 }).map((parts) => parts.join(''));

describe('isValidPercentEncoding (the allocation-free check of a form)', () => {
  it('accepts exactly the forms whose every name and value decodeURIComponent decodes', () => {
    fc.assert(
      fc.property(form, (text) => {
        expect(isValidPercentEncoding(text)).toBe(decodesPairByPair(text));
      }),
      { numRuns: 50_000 },
    );
  });

  it('agrees on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        expect(isValidPercentEncoding(text)).toBe(decodesPairByPair(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['topic=a&data=r%3D1%3Bs%3D2', true],
    ['data=%C3%A9', true],
    ['data=%F0%9F%98%80', true],
    ['data=%C3%28', false],
    ['data=%FF', false],
    ['data=%C0%80', false],
    ['data=%ED%A0%80', false],
    ['data=%F4%90%80%80', false],
    ['data=%E2%82', false],
    ['data=%E2%82&%AC', false],
    ['data=%ZZ', false],
    ['data=%', false],
    ['data=%4', false],
  ])('%s → %s', (text, valid) => {
    expect(isValidPercentEncoding(text)).toBe(valid);
    expect(decodesPairByPair(text)).toBe(valid);
  });
});
