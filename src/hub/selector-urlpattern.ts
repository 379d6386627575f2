import { URLPattern as PolyfillURLPattern } from 'urlpattern-polyfill/urlpattern';
import { SelectorError } from './errors.js';

/**
 * URL Pattern selectors (draft-08 `match_urlpattern`, `match_type: urlpattern`), with a bounded
 * matching cost.
 *
 * URL Pattern compiles to a backtracking `RegExp` (both the polyfill and Node's global), and the
 * spec requires the hub to bound evaluation cost (draft-08 §URL Pattern). A time limit cannot
 * interrupt a synchronous `RegExp`, so the bound is static, checked at compile time:
 * - custom regexp groups (`:id(\\d+)`, `(a+)+`) are rejected: they are arbitrary regexes;
 * - per component, the backtracking cost of a failing match grows like n^k, where k is the number
 *   of variable parts that can slide over the same characters: full wildcards (`*`, and any part
 *   repeated with `*`/`+`) anywhere in the component, plus the most named groups in one segment
 *   (a named group cannot cross the segment delimiter, so groups in different segments are anchored
 *   by the literal between them). k is capped (default 2: quadratic);
 * - topics longer than a cap are not evaluated (treated as not matching, as the spec allows).
 * Measured on the polyfill: k = 3 took 2 s on a 2,000-character path, k = 2 took 31 ms on 2,000 characters
 * and 8 ms on 1,000, hence the default topic cap of 1,024 characters.
 */

interface UrlPatternLike {
  test(input: string, baseURL?: string): boolean;
  readonly hasRegExpGroups?: boolean;
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}

type UrlPatternConstructor = new (input: string, baseURL?: string) => UrlPatternLike;

/** The runtime's URLPattern (Node 23.8+) when present, else the polyfill. */
const UrlPattern: UrlPatternConstructor =
  (globalThis as { URLPattern?: UrlPatternConstructor }).URLPattern ??
  (PolyfillURLPattern as unknown as UrlPatternConstructor);

export interface UrlPatternLimits {
  /** Max k (see above) per component. */
  maxSlidingParts: number;
  /** Topics longer than this never match a URL pattern. */
  maxTopicLengthChars: number;
}

export interface UrlPatternMatcher {
  matches(topic: string): boolean;
}

const COMPONENTS = [
  'protocol',
  'username',
  'password',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
] as const;

export function compileUrlPattern(
  raw: string,
  baseUrl: string | undefined,
  limits: UrlPatternLimits,
  field: string,
): UrlPatternMatcher {
  let pattern: UrlPatternLike;
  try {
    pattern = baseUrl === undefined ? new UrlPattern(raw) : new UrlPattern(raw, baseUrl);
  } catch {
    const hint = baseUrl === undefined ? ' (relative patterns need the hub URL as base)' : '';
    throw new SelectorError('SELECTOR_INVALID', `not a valid URL pattern${hint}`, field);
  }
  for (const component of COMPONENTS) {
    const source = pattern[component];
    const cost = slidingParts(source, component === 'pathname' ? '/' : component === 'hostname' ? '.' : '');
    if (cost === Number.POSITIVE_INFINITY || pattern.hasRegExpGroups === true) {
      throw new SelectorError(
        'SELECTOR_TOO_COMPLEX',
        'URL patterns with regexp groups are not allowed',
        field,
      );
    }
    if (cost > limits.maxSlidingParts) {
      throw new SelectorError(
        'SELECTOR_TOO_COMPLEX',
        `the ${component} of this URL pattern has ${cost} wildcards that can overlap (max ${limits.maxSlidingParts})`,
        field,
      );
    }
  }
  return {
    matches(topic) {
      if (topic.length > limits.maxTopicLengthChars) return false;
      try {
        return baseUrl === undefined ? pattern.test(topic) : pattern.test(topic, baseUrl);
      } catch {
        return false;
      }
    },
  };
}

const NAME_CHAR = /[\p{ID_Continue}$]/u;

/**
 * k for one component pattern string (see the module comment); `Infinity` for a regexp group.
 * `delimiter` splits segments ('' when the component has none).
 */
export function slidingParts(source: string, delimiter: string): number {
  let full = 0;
  let inSegment = 0;
  let maxInSegment = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\') {
      i++;
    } else if (ch === '(') {
      return Number.POSITIVE_INFINITY;
    } else if (ch === ':') {
      let end = i + 1;
      while (end < source.length && NAME_CHAR.test(source[end]!)) end++;
      const modifier = source[end];
      if (modifier === '*' || modifier === '+') {
        full++;
        end++;
      } else {
        inSegment++;
        maxInSegment = Math.max(maxInSegment, inSegment);
      }
      i = end - 1;
    } else if (ch === '*') {
      full++;
    } else if (ch === '}' && (source[i + 1] === '*' || source[i + 1] === '+')) {
      full++;
      i++;
    } else if (delimiter !== '' && ch === delimiter) {
      inSegment = 0;
    }
  }
  return full + maxInSegment;
}
