import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSelector, matchesAny, type Selector, type SelectorKind } from '../../src/hub/selector.js';
import { TopicIndex } from '../../src/hub/topic-index.js';

const BASE = 'https://hub.example.com/.well-known/mercure';

function collected<T>(index: TopicIndex<T>, topics: string[]): T[] {
  const seen: T[] = [];
  const count = index.collect(topics, (subscriber) => seen.push(subscriber));
  expect(count).toBe(seen.length);
  return seen;
}

describe('TopicIndex', () => {
  const exact = compileSelector('exact', 'https://example.com/books/1');
  const wildcard = compileSelector('exact', '*');
  const template = compileSelector('template', 'https://example.com/books/{id}');
  const pattern = compileSelector('urlpattern', 'https://example.com/books/:id');

  it('visits exact, wildcard, template and URL-pattern subscribers once per event', () => {
    const index = new TopicIndex<string>();
    index.add('exact', [exact]);
    index.add('wildcard', [wildcard]);
    index.add('template', [template]);
    index.add('pattern', [pattern]);
    index.add('other', [compileSelector('exact', 'https://example.com/authors/1')]);
    const topics = [
      'https://example.com/books/1',
      'https://example.com/books/2',
      'https://example.com/books/1',
    ];
    expect(collected(index, topics).sort()).toEqual(['exact', 'pattern', 'template', 'wildcard']);
  });

  it('visits a subscriber once even when several of its selectors match several topics', () => {
    const index = new TopicIndex<string>();
    index.add('greedy', [exact, wildcard, template, pattern, exact]);
    expect(collected(index, ['https://example.com/books/1', 'https://example.com/books/2'])).toEqual([
      'greedy',
    ]);
    expect(collected(index, ['https://example.com/books/1'])).toEqual(['greedy']);
  });

  it('stops visiting removed subscribers and forgets empty groups', () => {
    const index = new TopicIndex<string>();
    index.add('a', [template]);
    index.add('b', [template]);
    expect(collected(index, ['https://example.com/books/3']).sort()).toEqual(['a', 'b']);
    expect(index.remove('a')).toBe(true);
    expect(index.remove('a')).toBe(false);
    expect(collected(index, ['https://example.com/books/3'])).toEqual(['b']);
    index.remove('b');
    expect(collected(index, ['https://example.com/books/3'])).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('sees a new pattern subscriber on a topic whose matches were cached', () => {
    const index = new TopicIndex<string>();
    index.add('template', [template]);
    expect(collected(index, ['https://example.com/books/4'])).toEqual(['template']);
    index.add('pattern', [pattern]);
    expect(collected(index, ['https://example.com/books/4']).sort()).toEqual(['pattern', 'template']);
  });

  it('replaces the selectors of a subscriber added twice', () => {
    const index = new TopicIndex<string>();
    index.add('s', [exact]);
    index.add('s', [compileSelector('exact', 'other')]);
    expect(collected(index, ['https://example.com/books/1'])).toEqual([]);
    expect(collected(index, ['other'])).toEqual(['s']);
  });

  it('lets a visit remove subscribers, and does not visit subscribers added during the event', () => {
    const index = new TopicIndex<string>();
    for (let i = 0; i < 10; i++) index.add(`s${i}`, [exact]);
    const seen = collected(index, [exact.raw]).length;
    expect(seen).toBe(10);
    const visited: string[] = [];
    index.collect([exact.raw], (subscriber) => {
      visited.push(subscriber);
      index.remove(subscriber === 's0' ? 's1' : 'none');
      index.add(`late-${subscriber}`, [exact]);
    });
    expect(visited).not.toContain('s1');
    expect(visited.some((s) => s.startsWith('late-'))).toBe(false);
    expect(() => index.collect([exact.raw], () => index.collect([], () => {}))).toThrow(/re-entrant/);
  });

  it('fans one topic out to 10,000 subscribers, each once', () => {
    const index = new TopicIndex<number>();
    for (let i = 0; i < 10_000; i++) index.add(i, [i % 2 === 0 ? exact : template]);
    let total = 0;
    const count = index.collect([exact.raw], (i) => {
      total += i;
    });
    expect(count).toBe(10_000);
    expect(total).toBe((9_999 * 10_000) / 2);
  });
});

/** Topics and selectors from a small alphabet, so that random pairs actually match. */
const segment = fc.constantFrom('a', 'b', '1', 'x-y');
const topicArb = fc
  .array(segment, { minLength: 1, maxLength: 3 })
  .map((parts) => `https://example.com/${parts.join('/')}`);
const selectorArb: fc.Arbitrary<Selector> = fc.oneof(
  topicArb.map((t) => compileSelector('exact', t)),
  fc.constant(compileSelector('exact', '*')),
  fc
    .array(fc.oneof(segment, fc.constantFrom('{id}', '{+rest}', '{/p}')), { minLength: 1, maxLength: 3 })
    .map((parts) => compileSelector('template', `https://example.com/${parts.join('/')}`)),
  fc
    .array(fc.oneof(segment, fc.constantFrom(':id', '*')), { minLength: 1, maxLength: 3 })
    .map((parts) => parts.map((p, i) => (p === ':id' ? `:id${i}` : p)).join('/'))
    .filter((path) => compiles('urlpattern', `https://example.com/${path}`))
    .map((path) => compileSelector('urlpattern', `https://example.com/${path}`, { baseUrl: BASE })),
);

function compiles(kind: SelectorKind, raw: string): boolean {
  try {
    compileSelector(kind, raw, { baseUrl: BASE });
    return true;
  } catch {
    return false;
  }
}

describe('TopicIndex property', () => {
  it('visits exactly the subscribers a naive scan with matches() finds, each once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(selectorArb, { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.array(topicArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (subscribers, events, removals) => {
          const index = new TopicIndex<number>();
          for (const [i, selectors] of subscribers.entries()) index.add(i, selectors);
          const removed = new Set(removals.map((r) => r % subscribers.length));
          for (const r of removed) index.remove(r);
          for (const topics of events) {
            const expected = subscribers
              .map((selectors, i) => (!removed.has(i) && matchesAny(selectors, topics) ? i : -1))
              .filter((i) => i >= 0);
            const seen: number[] = [];
            index.collect(topics, (i) => seen.push(i));
            expect(seen.sort((x, y) => x - y)).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
