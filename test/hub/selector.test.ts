import { describe, expect, it } from 'vitest';
import { SelectorError } from '../../src/hub/errors.js';
import {
  compileSelector,
  matchesAny,
  selectorKindForMatchType,
  selectorKindForQueryParam,
} from '../../src/hub/selector.js';
import { compileTemplate } from '../../src/hub/selector-template.js';
import { slidingParts } from '../../src/hub/selector-urlpattern.js';

const HUB = 'https://hub.example.com/.well-known/mercure';

function thrown(fn: () => unknown): SelectorError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SelectorError) return error;
    throw error;
  }
  throw new Error('expected a SelectorError');
}

describe('exact selectors', () => {
  it.each([
    ['https://example.com/books/1', 'https://example.com/books/1', true],
    ['https://example.com/books/1', 'https://example.com/books/2', false],
    ['https://example.com/books/1', 'https://EXAMPLE.com/books/1', false],
    ['bar', 'bar', true],
    ['/books/1', 'https://hub.example.com/books/1', false],
    ['https://example.com/books/{id}', 'https://example.com/books/1', false],
    ['https://example.com/books/:id', 'https://example.com/books/1', false],
    ['*', 'anything at all', true],
  ])('%s matching %s is %s (byte-for-byte, no resolution)', (raw, topic, expected) => {
    expect(compileSelector('exact', raw).matches(topic)).toBe(expected);
  });

  it('exposes the one topic it matches so the index can use a Map', () => {
    expect(compileSelector('exact', 'a').exactTopic).toBe('a');
    expect(compileSelector('exact', '*').exactTopic).toBeUndefined();
    expect(compileSelector('exact', '*').isWildcard).toBe(true);
  });
});

describe('0.x URI template selectors', () => {
  it.each([
    ['https://example.com/books/{id}', 'https://example.com/books/1', true],
    ['https://example.com/books/{id}', 'https://example.com/books/the-hobbit_1.2~3', true],
    ['https://example.com/books/{id}', 'https://example.com/books/%C3%A9t%C3%A9', true],
    ['https://example.com/books/{id}', 'https://example.com/books/été', true],
    ['https://example.com/books/{id}', 'https://example.com/books/1/reviews', false],
    ['https://example.com/books/{id}', 'https://example.com/books/1?x=1', false],
    ['https://example.com/books/{id}', 'https://example.com/books/%2', false],
    ['https://example.com/books/{id}', 'https://example.com/authors/1', false],
    ['https://example.com/{+path}', 'https://example.com/a/b/c?x=1', true],
    ['https://example.com/{+path}', 'https://other.example/a', false],
    ['https://example.com/books{/id,rev}', 'https://example.com/books/1/2', true],
    ['https://example.com/books{/id,rev}', 'https://example.com/books', true],
    ['https://example.com/books{?q,page}', 'https://example.com/books?q=x&page=2', true],
    ['https://example.com/books{?q,page}', 'https://example.com/books', true],
    ['https://example.com/books{?q,page}', 'https://example.com/booksq=x', false],
    ['https://example.com/books{#section}', 'https://example.com/books#a/b', true],
    ['https://example.com/{id}.json', 'https://example.com/1.json', true],
    ['https://example.com/{id}.json', 'https://example.com/1.xml', false],
    ['{a}{b}{c}', 'abc', true],
    ['*', 'https://example.com/anything', true],
  ])('%s matching %s is %s', (raw, topic, expected) => {
    expect(compileSelector('template', raw).matches(topic)).toBe(expected);
  });

  it('matches a topic equal to the template even when it is not an expansion of it', () => {
    const selector = compileSelector('template', 'https://example.com/books/{id}');
    expect(selector.matches('https://example.com/books/{id}')).toBe(true);
  });

  it('treats a string that is not a valid template as an exact topic, as the reference hub does', () => {
    for (const raw of ['https://example.com/{id', 'https://example.com/id}', 'a{=x}', 'a{}', 'a{b c}']) {
      const selector = compileSelector('template', raw);
      expect(selector.exactTopic).toBe(raw);
      expect(selector.matches(raw)).toBe(true);
      expect(selector.matches(`${raw}x`)).toBe(false);
    }
  });

  it('treats a template without expressions as an exact topic', () => {
    expect(compileSelector('template', 'https://example.com/books/1').exactTopic).toBe(
      'https://example.com/books/1',
    );
  });

  it('runs in linear time on templates that make a backtracking RegExp explode', () => {
    // As a RegExp, `{a}{b}…{h}x` backtracks O(n^8) on a topic without the final `x`. The Pike VM
    // visits each (position, instruction) pair once: the step bound is the proof, not a clock.
    const template = compileTemplate('{a}{b}{c}{d}{e}{f}{g}{h}x');
    expect(template?.matches('a'.repeat(5000))).toBe(false);
    expect(template?.matches(`${'a'.repeat(5000)}x`)).toBe(true);
  });
});

describe('URL Pattern selectors', () => {
  it.each([
    ['https://example.com/books/:id', 'https://example.com/books/1', true],
    ['https://example.com/books/:id', 'https://example.com/books/1/reviews', false],
    ['https://example.com/books/:id', 'https://example.com/authors/1', false],
    ['https://example.com/books/:id', 'https://EXAMPLE.com/books/1', true],
    ['https://example.com/books/:id', 'https://example.com/BOOKS/1', false],
    ['https://example.com/books/*', 'https://example.com/books/1/reviews/2', true],
    ['https://*.example.com/books/:id', 'https://fr.example.com/books/1', true],
    ['https://example.com/books/:id?', 'https://example.com/books', true],
    ['https://example.com/:path+', 'https://example.com/a/b/c', true],
    ['https://example.com/books/:id', 'not a url', false],
  ])('%s matching %s is %s', (raw, topic, expected) => {
    expect(compileSelector('urlpattern', raw).matches(topic)).toBe(expected);
  });

  it('resolves relative patterns and relative topics against the hub URL', () => {
    const selector = compileSelector('urlpattern', '/.well-known/mercure/subscriptions/:type/:match/:sub', {
      baseUrl: HUB,
    });
    expect(selector.matches('/.well-known/mercure/subscriptions/Exact/a/b')).toBe(true);
    expect(selector.matches('https://hub.example.com/.well-known/mercure/subscriptions/Exact/a/b')).toBe(
      true,
    );
    expect(selector.matches('https://other.example/.well-known/mercure/subscriptions/Exact/a/b')).toBe(false);
  });

  it('rejects a relative pattern when no hub URL is known', () => {
    expect(thrown(() => compileSelector('urlpattern', '/books/:id')).code).toBe('SELECTOR_INVALID');
  });

  it('rejects custom regexp groups, which could backtrack catastrophically', () => {
    for (const raw of ['https://example.com/books/:id(\\d+)', 'https://example.com/(a+)+b']) {
      const error = thrown(() => compileSelector('urlpattern', raw));
      expect(error.code).toBe('SELECTOR_TOO_COMPLEX');
      expect(error.field).toBe('match_urlpattern');
    }
  });

  it('rejects patterns with three wildcards that can slide over the same characters', () => {
    // k = 3 took seconds on a 2,000-character topic with the polyfill; k <= 2 is accepted.
    for (const raw of [
      'https://e.com/*a*a*b',
      'https://e.com/:a-:b-:c',
      'https://e.com/*/:a-:b',
      'https://e.com/:x*/*-*',
    ]) {
      expect(thrown(() => compileSelector('urlpattern', raw)).code).toBe('SELECTOR_TOO_COMPLEX');
    }
    for (const raw of ['https://e.com/*a*b', 'https://e.com/:a/:b/:c/:d', 'https://*.e.com/:a-:b']) {
      expect(() => compileSelector('urlpattern', raw)).not.toThrow();
    }
  });

  it('counts overlapping wildcards per segment, and repeated groups as full wildcards', () => {
    expect(slidingParts('/books/:id', '/')).toBe(1);
    expect(slidingParts('/:a/:b/:c', '/')).toBe(1);
    expect(slidingParts('/:a-:b/x', '/')).toBe(2);
    expect(slidingParts('/*/:a', '/')).toBe(2);
    expect(slidingParts('/:path+', '/')).toBe(1);
    expect(slidingParts('/{a/}*b', '/')).toBe(1);
    expect(slidingParts('/\\*literal', '/')).toBe(0);
    expect(slidingParts('/:id(\\d+)', '/')).toBe(Number.POSITIVE_INFINITY);
  });

  it('does not evaluate topics longer than the cap, so an accepted pattern stays cheap', () => {
    const selector = compileSelector('urlpattern', 'https://e.com/*a*b', {
      limits: { maxTopicLengthChars: 100 },
    });
    expect(selector.matches(`https://e.com/${'a'.repeat(50)}b`)).toBe(true);
    expect(selector.matches(`https://e.com/${'a'.repeat(200)}b`)).toBe(false);
  });

  it('rejects invalid URL patterns', () => {
    expect(thrown(() => compileSelector('urlpattern', 'https://example.com/:')).code).toBe(
      'SELECTOR_INVALID',
    );
  });
});

describe('selector validation', () => {
  it('rejects empty, too long and control-character selectors, naming the field', () => {
    expect(thrown(() => compileSelector('template', '')).code).toBe('SELECTOR_EMPTY');
    const long = thrown(() => compileSelector('exact', 'a'.repeat(11), { limits: { maxLengthChars: 10 } }));
    expect(long.code).toBe('SELECTOR_TOO_LONG');
    expect(long.field).toBe('match');
    for (const bad of ['a\nb', 'a\u0000', 'a\u007f', 'a\u0085']) {
      const error = thrown(() => compileSelector('template', bad));
      expect(error.code).toBe('SELECTOR_CONTROL_CHARACTER');
      expect(error.field).toBe('topic');
    }
    expect(thrown(() => compileSelector('exact', '', { field: 'mercure.subscribe' })).field).toBe(
      'mercure.subscribe',
    );
  });

  it('maps match, match_exact and match_urlpattern to kinds and rejects every other name in the match namespace', () => {
    expect(selectorKindForQueryParam('topic')).toBe('template');
    expect(selectorKindForQueryParam('match')).toBe('exact');
    expect(selectorKindForQueryParam('match_exact')).toBe('exact');
    expect(selectorKindForQueryParam('match_urlpattern')).toBe('urlpattern');
    expect(selectorKindForQueryParam('lastEventID')).toBeUndefined();
    for (const name of [
      'matchExact',
      'matchURLPattern',
      'match_URLPattern',
      'match_type',
      'matchurlpattern',
      'MATCH',
      'matchTemplate',
      'matches',
    ]) {
      expect(thrown(() => selectorKindForQueryParam(name)).code).toBe('SELECTOR_UNKNOWN_KIND');
    }
  });

  it('maps match_type values case-sensitively, defaulting to exact', () => {
    expect(selectorKindForMatchType(undefined, 'f')).toBe('exact');
    expect(selectorKindForMatchType('exact', 'f')).toBe('exact');
    expect(selectorKindForMatchType('urlpattern', 'f')).toBe('urlpattern');
    for (const value of ['URLPattern', 'Exact', 'regexp', 7, null]) {
      expect(thrown(() => selectorKindForMatchType(value, 'f')).code).toBe('SELECTOR_UNKNOWN_KIND');
    }
  });

  it('shares compiled selectors and caches match results consistently', () => {
    const a = compileSelector('template', 'https://example.com/cache/{id}');
    const b = compileSelector('template', 'https://example.com/cache/{id}');
    expect(a).toBe(b);
    expect(a.matches('https://example.com/cache/1')).toBe(true);
    expect(b.matches('https://example.com/cache/1')).toBe(true);
    expect(a.matches('https://example.com/cache/1/2')).toBe(false);
  });

  it('matchesAny is true when any selector matches any topic', () => {
    const selectors = [compileSelector('exact', 'a'), compileSelector('template', 'b/{x}')];
    expect(matchesAny(selectors, ['z', 'b/1'])).toBe(true);
    expect(matchesAny(selectors, ['z'])).toBe(false);
    expect(matchesAny([], ['a'])).toBe(false);
  });
});
