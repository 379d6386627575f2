import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SelectorError } from '../../src/hub/errors.js';
import {
  compileSelector,
  DEFAULT_SELECTOR_LIMITS,
  type Selector,
  type SelectorKind,
} from '../../src/hub/selector.js';
import { compileTemplate } from '../../src/hub/selector-template.js';
import { compileUrlPattern } from '../../src/hub/selector-urlpattern.js';

const BASE = 'https://ex.com/.well-known/mercure';

/**
 * The template matcher against a reference: the same language as a backtracking `RegExp`, built
 * from the RFC 6570 operator table with nothing shared with the matcher (fine on small inputs).
 */
const UNRESERVED = 'A-Za-z0-9\\-._~\\u00a0-\\uffff';
const RESERVED = ":/?#\\[\\]@!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';

function run(chars: string): string {
  return `(?:[${chars}]|${PCT})*`;
}

function referenceExpression(operator: string, isExploded: boolean): string {
  switch (operator) {
    case '':
      return run(`${UNRESERVED},${isExploded ? '=' : ''}`);
    case '+':
      return run(UNRESERVED + RESERVED);
    case '#':
      return `(?:#${run(UNRESERVED + RESERVED)})?`;
    case '?':
      return `(?:\\?${run(`${UNRESERVED},=&`)})?`;
    default:
      return `(?:\\${operator}${run(`${UNRESERVED},=`)})*`;
  }
}

/** The reference matcher of a template, `undefined` when the template is not valid. */
function referenceMatcher(template: string): RegExp | undefined {
  let source = '';
  let rest = template;
  while (rest !== '') {
    const open = rest.indexOf('{');
    const literal = open === -1 ? rest : rest.slice(0, open);
    if (literal.includes('}')) return undefined;
    source += literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    if (open === -1) break;
    const close = rest.indexOf('}', open);
    if (close === -1) return undefined;
    const body = rest.slice(open + 1, close);
    const match =
      /^([+#./;?&]?)((?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*(?::[1-9][0-9]{0,3}|\*)?(?:,(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*(?::[1-9][0-9]{0,3}|\*)?)*)$/.exec(
        body,
      );
    if (match === null) return undefined;
    const operator = match[1] ?? '';
    source += referenceExpression(operator, /\*(?:,|$)/.test(match[2] ?? ''));
    rest = rest.slice(close + 1);
  }
  return new RegExp(`^${source}$`);
}

/** Pieces that exercise the operators, their prefixes and separators, `%` and IRI characters. */
const literalPiece = fc.constantFrom(
  'a',
  'b',
  '/',
  '-',
  '.',
  ',',
  '=',
  '&',
  '?',
  '#',
  ';',
  '%4',
  '%41',
  'é',
  '}',
);
const expressionPiece = fc
  .tuple(
    fc.constantFrom('', '+', '#', '.', '/', ';', '?', '&', '!'),
    fc.constantFrom('a', 'a*', 'a,b', 'a:2', 'b.c', '%41', 'a b', ''),
  )
  .map(([operator, variables]) => `{${operator}${variables}}`);
const templateArb = fc
  .array(fc.oneof(literalPiece, expressionPiece, fc.constant('{')), { maxLength: 7 })
  .map((p) => p.join(''));
const topicChar = fc.constantFrom(
  'a',
  'b',
  '/',
  '-',
  '.',
  ',',
  '=',
  '&',
  '?',
  '#',
  ';',
  '%',
  '4',
  '1',
  'é',
  ' ',
  '\u0085',
  '{',
  '}',
);
const topicArb = fc.array(topicChar, { maxLength: 12 }).map((chars) => chars.join(''));

/** A topic built from the template: each expression replaced by a random fill, so many match. */
function expansion(template: string, fills: readonly string[]): string {
  let i = 0;
  return template.replace(/\{[^{}]*\}/g, () => fills[i++ % fills.length] ?? '');
}

/**
 * Wall time of `fn`, in ms. Past `boundMs` it runs again, up to 3 times, and the fastest counts: a
 * garbage collection or a preemption on a busy machine delays one run, a slow algorithm every run.
 */
function msToRun(fn: () => unknown, boundMs = 50): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && fastest >= boundMs; attempt++) {
    const start = performance.now();
    fn();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

describe('URI template matcher, property-based', () => {
  it('parses and matches exactly as the reference RegExp on small inputs', () => {
    let matched = 0;
    fc.assert(
      fc.property(
        templateArb,
        topicArb,
        fc.array(topicArb, { minLength: 1, maxLength: 4 }),
        (template, topic, fills) => {
          const matcher = compileTemplate(template);
          const reference = referenceMatcher(template);
          expect(matcher === undefined).toBe(reference === undefined);
          if (matcher === undefined || reference === undefined) return;
          for (const candidate of [topic, expansion(template, fills), template]) {
            const isMatch = matcher.matches(candidate);
            expect(isMatch, `${template} against ${candidate}`).toBe(reference.test(candidate));
            if (isMatch) matched++;
          }
        },
      ),
      { numRuns: 4000 },
    );
    // The comparison means something only if both answers occur.
    expect(matched).toBeGreaterThan(400);
  });

  it('matches any template of up to 1,024 characters against any topic of up to 2,048 in well under 50 ms', () => {
    // The worst measured is a fraction of a millisecond: (parts + 1) × (topic length + 1) steps.
    const longPiece = fc.oneof(
      literalPiece,
      expressionPiece,
      fc.constantFrom('{a}', '-{a}', 'aaaa', '{/a}', '{?a}'),
    );
    const longTemplate = fc
      .array(longPiece, { minLength: 1, maxLength: 400 })
      .map((pieces) => `https://ex.com/${pieces.join('')}`.slice(0, 1024));
    const longTopic = fc
      .tuple(fc.array(topicChar, { maxLength: 2000 }), fc.constantFrom('a', '-', '/'), fc.nat({ max: 2000 }))
      .map(([chars, filler, padding]) =>
        `https://ex.com/${chars.join('')}${filler.repeat(padding)}`.slice(0, 2048),
      );
    let slowestMs = 0;
    const deadline = performance.now() + 5_000;
    fc.assert(
      fc.property(longTemplate, longTopic, (template, topic) => {
        const matcher = compileTemplate(template);
        if (matcher === undefined) return;
        slowestMs = Math.max(
          slowestMs,
          msToRun(() => matcher.matches(topic)),
        );
        expect(slowestMs).toBeLessThan(50);
      }),
      { numRuns: 300, interruptAfterTimeLimit: 5_000 },
    );
    expect(performance.now()).toBeLessThan(deadline + 1_000);
  });

  it('compiles any string to a selector or a SelectorError, each in well under 50 ms, and then matches in bounded time', () => {
    const anyRaw = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .array(
          fc.oneof(literalPiece, expressionPiece, topicChar, fc.constantFrom(':id', '*', '(', ')', '\\')),
          { maxLength: 60 },
        )
        .map((pieces) => `https://ex.com/${pieces.join('')}`),
    );
    const kinds: SelectorKind[] = ['exact', 'template', 'urlpattern'];
    fc.assert(
      fc.property(fc.constantFrom(...kinds), anyRaw, topicArb, (kind, raw, topic) => {
        // Timed on the uncompiled paths: `compileSelector` caches, so a second run would be a lookup.
        const parseMs = msToRun(() => {
          try {
            if (kind === 'template') compileTemplate(raw);
            if (kind === 'urlpattern')
              compileUrlPattern(raw, BASE, DEFAULT_SELECTOR_LIMITS, 'match_urlpattern');
          } catch (error) {
            expect(error).toBeInstanceOf(SelectorError);
          }
        });
        expect(parseMs).toBeLessThan(50);
        let selector: Selector | undefined;
        try {
          selector = compileSelector(kind, raw, { baseUrl: BASE });
        } catch (error) {
          expect(error).toBeInstanceOf(SelectorError);
          return;
        }
        const candidate = `https://ex.com/${topic}`;
        const matches = selector.matches.bind(selector);
        expect(msToRun(() => matches(candidate))).toBeLessThan(50);
        expect(msToRun(() => matches(raw))).toBeLessThan(50);
        // A selector matches its own text (exact), and the value `*` matches everything.
        if (kind !== 'urlpattern') expect(matches(raw)).toBe(true);
        if (raw === '*') expect(matches(candidate)).toBe(true);
      }),
      { numRuns: 1500, interruptAfterTimeLimit: 8_000 },
    );
  });
});

describe('URI template limits', () => {
  function complexity(raw: string): SelectorError | undefined {
    try {
      compileSelector('template', raw);
      return undefined;
    } catch (error) {
      if (error instanceof SelectorError) return error;
      throw error;
    }
  }

  it('merges adjacent expressions whose languages concatenate to one, so the issue-15 shape is one expression', () => {
    expect(compileTemplate('https://ex.com/{a}{b}{+c}{d*}')?.expressionCount).toBe(1);
    expect(compileTemplate(`https://ex.com/${'{a}'.repeat(300)}Z`)?.expressionCount).toBe(1);
    expect(compileTemplate('https://ex.com{/a}{/b,c}')?.expressionCount).toBe(1);
    expect(compileTemplate('/.well-known/mercure/subscriptions{/topic}{/subscriber}')?.expressionCount).toBe(
      1,
    );
    expect(compileTemplate('https://ex.com/{?a}{&b}')?.expressionCount).toBe(2);
    expect(compileTemplate('https://ex.com/{/a}{.b}')?.expressionCount).toBe(2);
    expect(compileTemplate('https://ex.com/{a}-{b}')?.expressionCount).toBe(2);
    const issue = compileSelector('template', `https://ex.com/${'{a}'.repeat(300)}Z`);
    expect(issue.matches(`https://ex.com/${'a'.repeat(900)}Z`)).toBe(true);
    expect(issue.matches(`https://ex.com/${'a'.repeat(900)}`)).toBe(false);
  });

  it('refuses a template with more than 10 separated expressions with SELECTOR_TOO_COMPLEX, naming the field', () => {
    expect(complexity(`https://ex.com/{a}${'-{a}'.repeat(9)}`)).toBeUndefined();
    const error = complexity(`https://ex.com/{a}${'-{a}'.repeat(10)}`);
    expect(error?.code).toBe('SELECTOR_TOO_COMPLEX');
    expect(error?.field).toBe('topic');
    expect(error?.message).toMatch(/11 expressions.*max 10/);
    expect(() =>
      compileSelector('template', `https://ex.com/{a}${'-{a}'.repeat(4)}`, {
        limits: { maxTemplateExpressions: 4 },
      }),
    ).toThrow(SelectorError);
  });

  it('keeps matching the templates of the Mercure examples and conformance suites', () => {
    const cases: [string, string, boolean][] = [
      ['https://example.com/books/{id}', 'https://example.com/books/1', true],
      ['https://example.com/users/{user}/books/{book}', 'https://example.com/users/a/books/b', true],
      ['https://example.com/users/foo/{?topic}', 'https://example.com/users/foo/?topic=x', true],
      [
        '/.well-known/mercure/subscriptions{/topic}{/subscriber}',
        '/.well-known/mercure/subscriptions/a%2Fb/c',
        true,
      ],
      ['/.well-known/mercure/subscriptions{/topic}{/subscriber}', '/.well-known/mercure/subscriptions', true],
      [
        '/.well-known/mercure/subscriptions{/topic}{/subscriber}',
        '/.well-known/mercure/subscriptionsx',
        false,
      ],
      ['https://example.com/{selector}', 'https://example.com/a/b', false],
    ];
    for (const [raw, topic, expected] of cases)
      expect(compileSelector('template', raw).matches(topic)).toBe(expected);
  });
});
