/**
 * RFC 6570 URI templates as topic selectors (Mercure 0.x `topic=`): does a topic look like an
 * expansion of the template?
 *
 * Why not a library: every JavaScript URI-template matcher compiles the template to a backtracking
 * `RegExp`, and `{a}{b}{c}…` then costs O(n^k) on a topic that almost matches: a subscriber could
 * stall the hub with one query parameter. The reference hub is safe only because Go's regexp is RE2.
 *
 * Each expression matches a superset of its expansions: any run of the characters its operator can
 * produce, with the operator's prefix and separators. Prefix lengths (`{var:3}`) and the number of
 * variables are not enforced; that is the price of a linear, tiny matcher and it only ever widens
 * an expression by strings a publisher would not normally produce. Non-ASCII characters are
 * accepted wherever unreserved ones are, so IRI topics match.
 *
 * Cost, by construction. The template is a literal prefix, then parts (expressions and the
 * literals between them), then a literal suffix. The prefix and suffix cost one string comparison
 * each. The middle of the topic (m characters) is matched part by part on the set of positions
 * reachable so far: each part clears and then fills one array of m + 1 positions in one pass (a
 * literal is found by Knuth–Morris–Pratt, so its length does not multiply the pass), and the match
 * stops as soon as no position is reachable. Adjacent expressions whose languages concatenate to
 * one of them (`{a}{b}` is `{a,b}`, `{/a}{/b}` is `{/a,b}`) are merged first, so the issue-15
 * shape `{a}{a}…{a}` is one expression. With E expressions left (`expressionCount`, which
 * `compileSelector` caps: `maxTemplateExpressions`, default 10) there are at most 2E − 1 parts, so
 * a match costs at most 2 × (2E − 1) × (m + 1) array steps, whatever the template and the topic:
 * 38 × 2,049 ≈ 78,000 for the longest topic a publisher may send (2,048 bytes). Measured on the
 * worst shape (10 expressions, a separator on every third character): 0.04 ms at m = 100, 0.4 ms at
 * m = 1,000, 1 ms at m = 2,048 (a busy 2-core machine). Nothing is allocated per match.
 */

/** Character-class flags. */
const UNRESERVED = 1;
const RESERVED = 2;
const COMMA = 4;
const EQUALS = 8;
const AMPERSAND = 16;
const ALL_CLASSES = UNRESERVED | RESERVED | COMMA | EQUALS | AMPERSAND;
const PERCENT = 37;

/** Per ASCII code, the classes it belongs to (an unreserved character belongs to every class). */
const ASCII_CLASSES = buildAsciiClasses();

function buildAsciiClasses(): Uint8Array {
  const table = new Uint8Array(128);
  const set = (chars: string, flags: number) => {
    for (const ch of chars) table[ch.charCodeAt(0)]! |= flags;
  };
  set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~', ALL_CLASSES);
  set(":/?#[]@!$&'()*+,;=", RESERVED);
  set(',', COMMA);
  set('=', EQUALS);
  set('&', AMPERSAND);
  return table;
}

function inClass(code: number, flags: number): boolean {
  if (code < 128) return (ASCII_CLASSES[code]! & flags) !== 0;
  return code > 0x9f; // IRI characters (ucschar); C1 controls excluded
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/**
 * One expression: `(class | %HH)*` when `prefix` is -1; else `prefix (class | %HH)*`, optional
 * (`#`, `?`) or repeated (`.`, `/`, `;`, `&`: each defined variable or exploded item adds one).
 */
interface ExpressionPart {
  readonly kind: 'expression';
  readonly flags: number;
  /** The operator's prefix character code, -1 for `{var}` and `{+var}`. */
  readonly prefix: number;
  readonly isRepeated: boolean;
}

interface LiteralPart {
  readonly kind: 'literal';
  readonly text: string;
  /** Knuth–Morris–Pratt failure function of `text`. */
  readonly failure: Int32Array;
}

type Part = ExpressionPart | LiteralPart;

/** A compiled template: `matches` costs at most 2 × (2 × `expressionCount` − 1) × (topic length + 1) steps. */
export interface TemplateMatcher {
  /** Whether the template has at least one expression (otherwise it is an exact string). */
  readonly hasExpressions: boolean;
  /** Expressions left once adjacent mergeable ones are merged (what `maxTemplateExpressions` caps). */
  readonly expressionCount: number;
  matches(topic: string): boolean;
}

const OPERATORS = new Set(['+', '#', '.', '/', ';', '?', '&']);
/** Reserved for future extensions by RFC 6570 §2.2: a template using them is not valid. */
const FUTURE_OPERATORS = new Set(['=', ',', '!', '@', '|']);
const VARSPEC =
  /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*(?::[1-9][0-9]{0,3}|\*)?$/;

function expressionPart(operator: string, hasExplode: boolean): ExpressionPart {
  const part = (flags: number, prefix: number, isRepeated: boolean): ExpressionPart => ({
    kind: 'expression',
    flags,
    prefix,
    isRepeated,
  });
  // Lists and several variables join with `,`; exploded associative arrays add `k=v`.
  if (operator === '') return part(UNRESERVED | COMMA | (hasExplode ? EQUALS : 0), -1, false);
  if (operator === '+') return part(UNRESERVED | RESERVED, -1, false);
  if (operator === '#') return part(UNRESERVED | RESERVED, 35, false);
  if (operator === '?') return part(UNRESERVED | COMMA | EQUALS | AMPERSAND, 63, false);
  // `.`, `/`, `;`, `&`: each defined variable (or exploded item) adds prefix + value.
  return part(UNRESERVED | COMMA | EQUALS, operator.charCodeAt(0), true);
}

/**
 * `a` followed by `b` as one expression, when their languages concatenate exactly to it:
 * - two prefix-less ones: `C*` then `D*` is `(C ∪ D)*`, as their classes are nested
 *   (unreserved+comma ⊂ unreserved+comma+equals ⊂ unreserved+reserved);
 * - two repeated ones with the same prefix and class: `(pC*)*(pC*)*` is `(pC*)*`.
 */
function merged(a: ExpressionPart, b: ExpressionPart): ExpressionPart | undefined {
  if (a.prefix === -1 && b.prefix === -1) return { ...a, flags: a.flags | b.flags };
  if (a.isRepeated && b.isRepeated && a.prefix === b.prefix && a.flags === b.flags) return a;
  return undefined;
}

function literalPart(text: string): LiteralPart {
  const failure = new Int32Array(text.length);
  let k = 0;
  for (let i = 1; i < text.length; i++) {
    while (k > 0 && text.charCodeAt(i) !== text.charCodeAt(k)) k = failure[k - 1]!;
    if (text.charCodeAt(i) === text.charCodeAt(k)) k++;
    failure[i] = k;
  }
  return { kind: 'literal', text, failure };
}

/**
 * Parses `raw` as an RFC 6570 template (levels 1–4). Returns `undefined` when it is not one: the
 * 0.x hub then treats the selector as an exact string, as the reference hub does.
 */
export function compileTemplate(raw: string): TemplateMatcher | undefined {
  const parts: Part[] = [];
  let i = 0;
  while (i < raw.length) {
    const open = raw.indexOf('{', i);
    const literal = raw.slice(i, open === -1 ? raw.length : open);
    if (literal.includes('}')) return undefined;
    if (literal !== '') parts.push(literalPart(literal));
    if (open === -1) break;
    const close = raw.indexOf('}', open);
    if (close === -1) return undefined;
    const body = raw.slice(open + 1, close);
    if (body.includes('{')) return undefined;
    const first = body.charAt(0);
    if (FUTURE_OPERATORS.has(first)) return undefined;
    const operator = OPERATORS.has(first) ? first : '';
    const varspecs = body.slice(operator.length).split(',');
    if (varspecs.some((v) => !VARSPEC.test(v))) return undefined;
    const part = expressionPart(
      operator,
      varspecs.some((v) => v.endsWith('*')),
    );
    const previous = parts.at(-1);
    const joined = previous?.kind === 'expression' ? merged(previous, part) : undefined;
    if (joined === undefined) parts.push(part);
    else parts[parts.length - 1] = joined;
    i = close + 1;
  }
  const expressionCount = parts.filter((part) => part.kind === 'expression').length;
  if (expressionCount === 0) return { hasExpressions: false, expressionCount, matches: (t) => t === raw };
  // Most templates start with a literal (`https://example.com/books/`): a topic without it is
  // rejected by one string comparison, which keeps many distinct templates cheap per new topic.
  const prefix = parts[0]?.kind === 'literal' ? (parts.shift() as LiteralPart).text : '';
  const suffix = parts.at(-1)?.kind === 'literal' ? (parts.pop() as LiteralPart).text : '';
  const fixedLength = prefix.length + suffix.length;
  return {
    hasExpressions: true,
    expressionCount,
    matches: (topic) =>
      topic.length >= fixedLength &&
      topic.startsWith(prefix) &&
      topic.endsWith(suffix) &&
      matchMiddle(parts, topic, prefix.length, topic.length - suffix.length),
  };
}

/** Positions reachable in the middle of the topic, double-buffered across matches (no allocation). */
let reach = new Uint8Array(256);
let next = new Uint8Array(256);

/** Whether `topic[start, end)` matches `parts`: one pass per part over the reachable positions. */
function matchMiddle(parts: readonly Part[], topic: string, start: number, end: number): boolean {
  const size = end - start + 1;
  if (reach.length < size) {
    reach = new Uint8Array(size * 2);
    next = new Uint8Array(size * 2);
  }
  let from = reach;
  let to = next;
  from.fill(0, 0, size);
  from[0] = 1;
  let first = 0;
  for (const part of parts) {
    to.fill(0, first, size);
    first =
      part.kind === 'literal'
        ? stepLiteral(part, topic, start, end, first, from, to)
        : stepExpression(part, topic, start, end, first, from, to);
    if (first === -1) return false;
    [from, to] = [to, from];
  }
  return from[size - 1] === 1;
}

/**
 * Positions reachable after an expression: from each reachable one, runs of class characters
 * (or `%HH`), after the prefix character when the expression has one. Returns the first
 * reachable position, -1 when none is.
 */
function stepExpression(
  part: ExpressionPart,
  topic: string,
  start: number,
  end: number,
  first: number,
  from: Uint8Array,
  to: Uint8Array,
): number {
  const length = end - start;
  // Bit 2 of `to[q]`, set by an earlier position, says q is reached inside the expression's value,
  // where a class run may continue. Without a prefix every reachable position is inside; with one,
  // only the positions after the prefix character. Every expression may be empty: the positions
  // reachable before stay reachable.
  const hasPrefix = part.prefix !== -1;
  let firstReached = -1;
  for (let q = first; q <= length; q++) {
    const isStart = from[q] === 1;
    const isInside = (to[q]! & 2) !== 0 || (!hasPrefix && isStart);
    if (!isStart && !isInside) continue;
    to[q] = 1;
    if (firstReached === -1) firstReached = q;
    if (q === length) break;
    const code = topic.charCodeAt(start + q);
    if (isInside) {
      if (inClass(code, part.flags) || (part.isRepeated && code === part.prefix)) to[q + 1]! |= 2;
      else if (
        code === PERCENT &&
        q + 2 < length &&
        isHex(topic.charCodeAt(start + q + 1)) &&
        isHex(topic.charCodeAt(start + q + 2))
      ) {
        to[q + 3]! |= 2;
      }
    }
    if (hasPrefix && isStart && code === part.prefix) to[q + 1]! |= 2;
  }
  return firstReached;
}

/** Positions reachable after a literal: each occurrence (Knuth–Morris–Pratt) starting at a reachable one. */
function stepLiteral(
  part: LiteralPart,
  topic: string,
  start: number,
  end: number,
  first: number,
  from: Uint8Array,
  to: Uint8Array,
): number {
  const { text, failure } = part;
  const length = end - start;
  let firstReached = -1;
  let k = 0;
  for (let q = first; q < length; q++) {
    const code = topic.charCodeAt(start + q);
    while (k > 0 && code !== text.charCodeAt(k)) k = failure[k - 1]!;
    if (code === text.charCodeAt(k)) k++;
    if (k === text.length) {
      const after = q + 1;
      if (from[after - text.length] === 1) {
        to[after] = 1;
        if (firstReached === -1) firstReached = after;
      }
      k = failure[k - 1]!;
    }
  }
  return firstReached;
}
