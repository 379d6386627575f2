import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertCanPublish, canReceive, type Grant, grantFromClaims } from '../../src/hub/authorization.js';
import { AuthError } from '../../src/hub/errors.js';
import { MERCURE_DETAIL_TYPE, mercureDetail } from '../support/keys.js';

const BASE = 'https://hub.example.com/.well-known/mercure';
const TYPE = MERCURE_DETAIL_TYPE;

function draft08(details: unknown): Grant {
  return grantFromClaims('draft-08', { authorization_details: details }, undefined, { baseUrl: BASE });
}

function invalidCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('draft-08 authorization details', () => {
  it('grants actions on the topics of mercure details only', () => {
    const grant = draft08([
      mercureDetail(
        ['subscribe'],
        ['https://example.com/books/1', { match: 'https://example.com/users/:id', match_type: 'urlpattern' }],
      ),
      mercureDetail(['publish'], ['https://example.com/books/1']),
      { type: 'payment_initiation', actions: ['pay'] },
    ]);
    expect(grant.canSubscribe('https://example.com/books/1')).toBe(true);
    expect(grant.canSubscribe('https://example.com/books/2')).toBe(false);
    expect(grant.canSubscribe('https://example.com/users/7')).toBe(true);
    expect(grant.canPublish('https://example.com/books/1')).toBe(true);
    expect(grant.canPublish('https://example.com/users/7')).toBe(false);
    expect(grant.subscribeSelectors.map((s) => s.kind)).toEqual(['exact', 'urlpattern']);
  });

  it('treats * as the wildcard whatever the match_type', () => {
    for (const topic of [
      { match: '*' },
      { match: '*', match_type: 'urlpattern' },
      { match: '*', match_type: 'exact' },
    ]) {
      expect(draft08([mercureDetail(['publish'], [topic])]).canPublish('https://anything')).toBe(true);
    }
  });

  it('resolves relative URL patterns against the hub URL (subscriptions API)', () => {
    const grant = draft08([
      mercureDetail(
        ['subscribe'],
        [
          {
            match: '/.well-known/mercure/subscriptions{/:type}?{/:match}?{/:sub}?',
            match_type: 'urlpattern',
          },
        ],
      ),
    ]);
    expect(grant.canSubscribe('/.well-known/mercure/subscriptions')).toBe(true);
    expect(grant.canSubscribe('/.well-known/mercure/subscriptions/Exact/a%2Fb/urn%3Ax')).toBe(true);
    expect(grant.canSubscribe('/books/1')).toBe(false);
  });

  it('picks the payload of the first subscribe detail matching the subscription matcher', () => {
    const grant = draft08([
      mercureDetail(['subscribe'], ['https://example.com/foo'], { custom1: 1 }),
      mercureDetail(['subscribe'], [{ match: 'https://example.com/bar/:id', match_type: 'urlpattern' }], {
        custom2: 2,
      }),
      mercureDetail(['publish'], ['*'], { ignored: true }),
      mercureDetail(['subscribe'], ['*'], { custom3: 3 }),
    ]);
    expect(grant.payloadFor('https://example.com/foo')).toEqual({ custom1: 1 });
    expect(grant.payloadFor('https://example.com/bar/:id')).toEqual({ custom2: 2 });
    expect(grant.payloadFor('https://example.com/bar/1')).toEqual({ custom2: 2 });
    expect(grant.payloadFor('https://example.com/other')).toEqual({ custom3: 3 });
  });

  it('grants on details whose type is exactly the Mercure URI; "mercure" and a case-changed URI grant nothing', () => {
    const detail = mercureDetail(['publish'], ['*']);
    expect(draft08([detail]).canPublish('https://a')).toBe(true);
    for (const type of [
      'mercure',
      'HTTPS://mercure.rocks/authorization-detail',
      'https://mercure.rocks/authorization-detail/',
    ]) {
      expect(draft08([{ ...detail, type }]).canPublish('https://a'), type).toBe(false);
    }
  });

  it('ignores unknown actions: they grant nothing and do not invalidate the token', () => {
    const grant = draft08([
      mercureDetail(['publish'], ['https://example.com/a']),
      { ...mercureDetail(['subscribe'], ['*']), actions: ['publish', 'frobnicate'] },
      { ...mercureDetail(['subscribe'], ['*']), actions: ['frobnicate'] },
    ]);
    expect(grant.canPublish('https://example.com/b')).toBe(true);
    expect(grant.canSubscribe('https://example.com/b')).toBe(false);
  });

  it('grants nothing without mercure details', () => {
    const grant = draft08(undefined);
    expect(grant.canSubscribe('x')).toBe(false);
    expect(grant.canPublish('x')).toBe(false);
  });

  it.each([
    ['not an array', { type: TYPE }],
    ['an entry that is not an object', [TYPE]],
    ['an entry without type', [{ actions: ['publish'], topics: [{ match: 'a' }] }]],
    ['empty actions', [{ type: TYPE, actions: [], topics: [{ match: 'a' }] }]],
    ['actions that are not an array', [{ type: TYPE, actions: 'publish', topics: [{ match: 'a' }] }]],
    ['a non-string action', [{ type: TYPE, actions: ['publish', 7], topics: [{ match: 'a' }] }]],
    ['empty topics', [{ type: TYPE, actions: ['publish'], topics: [] }]],
    ['a topic that is a string', [{ type: TYPE, actions: ['publish'], topics: ['a'] }]],
    [
      'an unsupported match_type',
      [{ type: TYPE, actions: ['publish'], topics: [{ match: 'a', match_type: 'regexp' }] }],
    ],
    [
      'a match_type in another case',
      [{ type: TYPE, actions: ['publish'], topics: [{ match: 'a', match_type: 'URLPattern' }] }],
    ],
    [
      'an unsupported match_type on the wildcard',
      [{ type: TYPE, actions: ['publish'], topics: [{ match: '*', match_type: 'regexp' }] }],
    ],
    [
      "the earlier revision's matchType key",
      [{ type: TYPE, actions: ['publish'], topics: [{ match: 'a', matchType: 'URLPattern' }] }],
    ],
    [
      'an invalid URL pattern',
      [
        {
          type: TYPE,
          actions: ['publish'],
          topics: [{ match: 'https://e.com/(a+)+', match_type: 'urlpattern' }],
        },
      ],
    ],
    [
      'a payload that is not an object',
      [{ type: TYPE, actions: ['subscribe'], topics: [{ match: 'a' }], payload: 'x' }],
    ],
  ])('rejects the whole token for %s (no partial acceptance)', (_name, details) => {
    const valid = mercureDetail(['publish'], ['*']);
    const all = Array.isArray(details) ? [valid, ...details] : details;
    expect(invalidCode(() => draft08(all))).toBe('TOKEN_INVALID');
  });

  it('rejects tokens over the detail and selector limits', () => {
    const many = Array.from({ length: 3 }, () => mercureDetail(['publish'], ['a']));
    expect(
      invalidCode(() =>
        grantFromClaims('draft-08', { authorization_details: many }, { maxDetails: 2, maxSelectors: 10 }),
      ),
    ).toBe('TOKEN_INVALID');
    const wide = [mercureDetail(['publish'], ['a', 'b', 'c'])];
    expect(
      invalidCode(() =>
        grantFromClaims('draft-08', { authorization_details: wide }, { maxDetails: 2, maxSelectors: 2 }),
      ),
    ).toBe('TOKEN_INVALID');
  });
});

describe('canReceive and assertCanPublish', () => {
  const grant = grantFromClaims('legacy', { mercure: { subscribe: ['https://example.com/users/{id}'] } });

  it('delivers public events to anyone, including subscribers without a token', () => {
    expect(canReceive(undefined, { topics: ['https://example.com/x'], isPrivate: false })).toBe(true);
    expect(canReceive(grant, { topics: ['https://example.com/x'], isPrivate: false })).toBe(true);
  });

  it('delivers a private event only to a grant whose subscribe selectors match one of its topics', () => {
    expect(canReceive(undefined, { topics: ['https://example.com/users/1'], isPrivate: true })).toBe(false);
    expect(canReceive(grant, { topics: ['https://example.com/users/1'], isPrivate: true })).toBe(true);
    expect(canReceive(grant, { topics: ['https://example.com/books/1'], isPrivate: true })).toBe(false);
    // 0.x: an alternate topic grants access as well as the canonical one.
    expect(
      canReceive(grant, {
        topics: ['https://example.com/books/1', 'https://example.com/users/1'],
        isPrivate: true,
      }),
    ).toBe(true);
  });

  it('requires every topic of a publication to be allowed', () => {
    const publisher = grantFromClaims('legacy', {
      mercure: { publish: ['https://example.com/books/{id}'] },
    });
    expect(() => assertCanPublish(publisher, ['https://example.com/books/1'])).not.toThrow();
    expect(
      invalidCode(() =>
        assertCanPublish(publisher, ['https://example.com/books/1', 'https://example.com/x']),
      ),
    ).toBe('FORBIDDEN');
    expect(invalidCode(() => assertCanPublish(undefined, ['https://example.com/books/1']))).toBe(
      'TOKEN_MISSING',
    );
    const empty = grantFromClaims('legacy', { mercure: { publish: [] } });
    expect(invalidCode(() => assertCanPublish(empty, ['a']))).toBe('FORBIDDEN');
  });
});

describe('canReceive property', () => {
  const segment = fc.constantFrom('a', 'b', '1');
  const topic = segment.chain((x) => segment.map((y) => `https://example.com/${x}/${y}`));
  const selectorRaw = fc.oneof(
    topic,
    fc.constant('*'),
    segment.map((x) => `https://example.com/${x}/{id}`),
    segment.map((x) => `https://example.com/{+p}${x}`),
  );

  it('never lets a private event reach a grant without a matching subscribe selector', () => {
    fc.assert(
      fc.property(
        fc.array(selectorRaw, { maxLength: 4 }),
        fc.array(selectorRaw, { maxLength: 4 }),
        fc.array(topic, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (subscribe, publish, topics, isPrivate) => {
          const grant = grantFromClaims('legacy', { mercure: { subscribe, publish } });
          const received = canReceive(grant, { topics, isPrivate });
          const hasMatchingSelector = grant.subscribeSelectors.some((s) => topics.some((t) => s.matches(t)));
          if (isPrivate) expect(received).toBe(hasMatchingSelector);
          else expect(received).toBe(true);
          // Publish rights never leak into read rights.
          if (subscribe.length === 0 && isPrivate) expect(received).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
