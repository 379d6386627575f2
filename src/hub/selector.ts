import { SelectorError } from './errors.js';
import { FORBIDDEN_CHARACTERS } from './forbidden-characters.js';
import { Lru } from './lru.js';
import { compileTemplate } from './selector-template.js';
import { compileUrlPattern } from './selector-urlpattern.js';

/**
 * Topic selectors of both protocol versions.
 * - `exact`: byte-for-byte comparison (draft-08 `match`/`match_exact`, `match_type: exact`).
 * - `template`: Mercure 0.x `topic=`: an RFC 6570 URI template, or a plain string when it is not a
 *   valid template; a selector equal to the topic always matches.
 * - `urlpattern`: draft-08 `match_urlpattern`, `match_type: urlpattern`.
 * The value `*` matches every topic whatever the kind (draft-08 §Matcher Types; 0.x `topic=*`).
 */
export type SelectorKind = 'exact' | 'template' | 'urlpattern';

export const WILDCARD = '*';

export interface Selector {
  readonly kind: SelectorKind;
  readonly raw: string;
  /** `raw === '*'`: matches every topic. */
  readonly isWildcard: boolean;
  /** The one topic this selector matches, when it matches exactly one (the index files it in a Map). */
  readonly exactTopic: string | undefined;
  matches(topic: string): boolean;
}

export interface SelectorLimits {
  /** Longer selectors are rejected (`SELECTOR_TOO_LONG`). */
  maxLengthChars: number;
  /** URL patterns: max overlapping wildcards per component (see `selector-urlpattern.ts`). */
  maxSlidingParts: number;
  /** URL patterns: longer topics are not evaluated and do not match. */
  maxTopicLengthChars: number;
  /**
   * URI templates: most expressions, once adjacent ones that merge exactly are merged; more is
   * `SELECTOR_TOO_COMPLEX` (400). A match costs at most 2 × (2 × this − 1) × (topic length + 1)
   * array steps (see `selector-template.ts`): the cap bounds what one selector costs per new topic.
   * A denial-of-service guard, like the URL-pattern limits: real templates have a handful.
   */
  maxTemplateExpressions: number;
}

export const DEFAULT_SELECTOR_LIMITS: Readonly<SelectorLimits> = {
  maxLengthChars: 1024,
  maxSlidingParts: 2,
  maxTopicLengthChars: 1024,
  maxTemplateExpressions: 10,
};

export interface CompileSelectorOptions {
  /** Reported in `SelectorError.field`; defaults to the query parameter of the kind. */
  field?: string;
  /** The hub's URL: relative URL patterns and relative topics resolve against it (draft-08). */
  baseUrl?: string;
  limits?: Partial<SelectorLimits>;
}

const DEFAULT_FIELD: Record<SelectorKind, string> = {
  exact: 'match',
  template: 'topic',
  urlpattern: 'match_urlpattern',
};

/**
 * Compiled selectors are immutable and shared: a hub with 10,000 subscribers on one template
 * compiles it once. URL-pattern results are cached per (selector, topic), as a topic is usually
 * published many times and a URL-pattern test costs ~10 µs (a `RegExp` per component).
 */
const compiled = new Lru<string, Selector>(4096);
const matchResults = new Lru<string, boolean>(16384);
let nextSelectorId = 1;

export function compileSelector(
  kind: SelectorKind,
  raw: string,
  options: CompileSelectorOptions = {},
): Selector {
  const limits = { ...DEFAULT_SELECTOR_LIMITS, ...options.limits };
  const field = options.field ?? DEFAULT_FIELD[kind];
  if (raw.length === 0) throw new SelectorError('SELECTOR_EMPTY', 'the selector is empty', field);
  if (raw.length > limits.maxLengthChars) {
    throw new SelectorError(
      'SELECTOR_TOO_LONG',
      `the selector exceeds ${limits.maxLengthChars} characters`,
      field,
    );
  }
  // draft-08 §Subscription: matcher values are rejected with 400 for these, as topics are.
  if (FORBIDDEN_CHARACTERS.test(raw)) {
    throw new SelectorError(
      'SELECTOR_CONTROL_CHARACTER',
      'the selector contains a control or format character (CR, LF, NUL, U+200B, ...)',
      field,
    );
  }
  const cacheKey = `${kind}\u0000${options.baseUrl ?? ''}\u0000${limits.maxSlidingParts},${limits.maxTopicLengthChars},${limits.maxTemplateExpressions}\u0000${raw}`;
  const cached = compiled.get(cacheKey);
  if (cached !== undefined) return cached;
  const selector = build(kind, raw, options.baseUrl, limits, field);
  compiled.set(cacheKey, selector);
  return selector;
}

function build(
  kind: SelectorKind,
  raw: string,
  baseUrl: string | undefined,
  limits: SelectorLimits,
  field: string,
): Selector {
  if (raw === WILDCARD) return { kind, raw, isWildcard: true, exactTopic: undefined, matches: () => true };
  if (kind === 'exact') return exactSelector(kind, raw);
  if (kind === 'template') {
    const template = compileTemplate(raw);
    if (template === undefined || !template.hasExpressions) return exactSelector(kind, raw);
    if (template.expressionCount > limits.maxTemplateExpressions) {
      throw new SelectorError(
        'SELECTOR_TOO_COMPLEX',
        `the URI template has ${template.expressionCount} expressions, adjacent ones counted as one (max ${limits.maxTemplateExpressions})`,
        field,
      );
    }
    // Not result-cached: the linear matcher (~1 µs) is cheaper than a cache insert (~2 µs); the
    // topic index caches which selectors match a topic.
    return {
      kind,
      raw,
      isWildcard: false,
      exactTopic: undefined,
      matches: (t) => t === raw || template.matches(t),
    };
  }
  if (kind === 'urlpattern') {
    const pattern = compileUrlPattern(raw, baseUrl, limits, field);
    return cachedSelector(kind, raw, (topic) => pattern.matches(topic));
  }
  throw new SelectorError('SELECTOR_UNKNOWN_KIND', 'unknown selector kind', field);
}

function exactSelector(kind: SelectorKind, raw: string): Selector {
  return { kind, raw, isWildcard: false, exactTopic: raw, matches: (topic) => topic === raw };
}

function cachedSelector(kind: SelectorKind, raw: string, evaluate: (topic: string) => boolean): Selector {
  const prefix = `${nextSelectorId++}\u0000`;
  return {
    kind,
    raw,
    isWildcard: false,
    exactTopic: undefined,
    matches(topic) {
      const key = prefix + topic;
      const hit = matchResults.get(key);
      if (hit !== undefined) return hit;
      const result = evaluate(topic);
      matchResults.set(key, result);
      return result;
    },
  };
}

/** Whether any selector matches any topic: the reference semantics the topic index must equal. */
export function matchesAny(selectors: readonly Selector[], topics: readonly string[]): boolean {
  for (const selector of selectors) {
    if (selector.isWildcard) return true;
    for (const topic of topics) if (selector.matches(topic)) return true;
  }
  return false;
}

/**
 * The subscribe query parameters of the matcher types, by name (draft-08 §Subscription: the bare
 * `match` is the default `exact`, `match_<type>` names a type by its canonical, lower-case name).
 */
const MATCHER_QUERY_PARAMS: ReadonlyMap<string, SelectorKind> = new Map([
  ['match', 'exact'],
  ['match_exact', 'exact'],
  ['match_urlpattern', 'urlpattern'],
]);

/**
 * The selector kind a subscribe query parameter asks for, or `undefined` for unrelated parameters.
 * Draft-08 reserves every name starting with `match` (ASCII case-insensitive) and names are
 * case-sensitive, so any other name there is an unsupported matcher type, rejected with 400: the
 * earlier revision's `matchExact`/`matchURLPattern`, `match_URLPattern`, `matchFoo`, `match_type`.
 * Failing loudly is the point: a misspelled matcher silently ignored would subscribe to less.
 */
export function selectorKindForQueryParam(name: string): SelectorKind | undefined {
  if (name === 'topic') return 'template';
  const kind = MATCHER_QUERY_PARAMS.get(name);
  if (kind !== undefined) return kind;
  if (name.slice(0, 5).toLowerCase() === 'match') {
    throw new SelectorError(
      'SELECTOR_UNKNOWN_KIND',
      'unknown matcher type in a match query parameter (use match, match_exact or match_urlpattern)',
      name,
    );
  }
  return undefined;
}

/**
 * `match_type` of a draft-08 topic matcher object (§Topic Matcher List): absent means `exact`;
 * the value is case-sensitive, and any other value (`URLPattern`, `regexp`, a number) is a type the
 * hub does not support, which rejects the token.
 */
export function selectorKindForMatchType(matchType: unknown, field: string): SelectorKind {
  if (matchType === undefined || matchType === 'exact') return 'exact';
  if (matchType === 'urlpattern') return 'urlpattern';
  throw new SelectorError('SELECTOR_UNKNOWN_KIND', 'match_type must be exact or urlpattern', field);
}
