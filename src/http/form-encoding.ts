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
  if (!text.includes('%')) return;
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
