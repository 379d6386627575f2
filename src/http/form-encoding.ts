import { HttpError } from './errors.js';

/** How much of a parameter's name an error message repeats. */
const NAME_SHOWN_CHARS = 64;

/**
 * Refuses `application/x-www-form-urlencoded` text (a query, or a form body already decoded as
 * UTF-8) whose percent-encoding is malformed (`%ZZ`, a lone `%`) or whose escapes are not UTF-8
 * (`%C3%28`, `%FF`). Mercure: names and values "MUST be valid UTF-8"; `URLSearchParams` would
 * silently read such bytes as U+FFFD, so two different ids or topics could become one. Linear in
 * the text, and free when it holds no `%`.
 */
export function assertFormEncoding(text: string, where: 'query' | 'body'): void {
  // One pass over the escapes, allocating nothing: a publish body of ~100 bytes spent ~3% of the
  // publish path's CPU decoding each pair here only to throw the result away (URLSearchParams
  // decodes it again). The pair-by-pair decode below only runs to name the field of an error.
  if (isValidPercentEncoding(text)) return;
  for (const pair of text.split('&')) {
    if (!pair.includes('%')) continue;
    const equals = pair.indexOf('=');
    const name = decoded(equals < 0 ? pair : pair.slice(0, equals));
    if (name === undefined) {
      throw new HttpError(
        400,
        'ENCODING_INVALID',
        `a parameter name in the ${where} is not valid percent-encoded UTF-8`,
      );
    }
    if (equals >= 0 && decoded(pair.slice(equals + 1)) === undefined) {
      const shown = JSON.stringify(name.slice(0, NAME_SHOWN_CHARS));
      throw new HttpError(
        400,
        'ENCODING_INVALID',
        `${shown} in the ${where} is not valid percent-encoded UTF-8`,
      );
    }
  }
}

/** The component percent-decoded (`+` is a space), or `undefined` when it cannot be. */
function decoded(component: string): string | undefined {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

const hexValue = (code: number): number =>
  code >= 48 && code <= 57
    ? code - 48
    : code >= 65 && code <= 70
      ? code - 55
      : code >= 97 && code <= 102
        ? code - 87
        : -1;

/**
 * Whether every `%` of the text starts a `%XX` escape and the escaped bytes form UTF-8 sequences
 * that `decodeURIComponent` accepts (no overlong form, no surrogate, nothing past U+10FFFF; the
 * continuation bytes of a sequence are escapes that follow one another). Exactly the texts for
 * which decoding each name and value succeeds: a separator (`&`, `=`) or any other character
 * inside a sequence breaks it, as it does in each decoded component.
 */
export function isValidPercentEncoding(text: string): boolean {
  let i = text.indexOf('%');
  while (i >= 0) {
    const high = hexValue(text.charCodeAt(i + 1));
    const low = hexValue(text.charCodeAt(i + 2));
    if (high < 0 || low < 0) return false;
    const lead = high * 16 + low;
    i += 3;
    if (lead >= 0x80) {
      // The continuation bytes: how many, and the range the first one must fall in.
      let count: number;
      let min = 0x80;
      let max = 0xbf;
      if (lead >= 0xc2 && lead <= 0xdf) count = 1;
      else if (lead >= 0xe0 && lead <= 0xef) {
        count = 2;
        if (lead === 0xe0) min = 0xa0;
        else if (lead === 0xed) max = 0x9f;
      } else if (lead >= 0xf0 && lead <= 0xf4) {
        count = 3;
        if (lead === 0xf0) min = 0x90;
        else if (lead === 0xf4) max = 0x8f;
      } else return false;
      for (let k = 0; k < count; k++) {
        if (text.charCodeAt(i) !== 37) return false; // '%'
        const h = hexValue(text.charCodeAt(i + 1));
        const l = hexValue(text.charCodeAt(i + 2));
        if (h < 0 || l < 0) return false;
        const byte = h * 16 + l;
        if (byte < min || byte > max) return false;
        min = 0x80;
        max = 0xbf;
        i += 3;
      }
    }
    i = text.indexOf('%', i);
  }
  return true;
}
