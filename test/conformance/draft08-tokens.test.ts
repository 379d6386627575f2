/**
 * Mercure draft-08 access tokens as the current text states them (§Authorization, §Presenting the
 * Access Token, §Error Responses, §Token Validation, §Authorization Details, §Topic Matcher List,
 * §Protected Resource Metadata): the detail type URI, unknown actions, `match_type`, `iss` bound to
 * the keys, no token in the URL, malformed presentations, and one hub serving 0.x and draft-08
 * tokens at once. Each test quotes the sentence it checks.
 */
import { describe, expect, it } from 'vitest';
import { createHub } from '../../src/http/index.js';
import {
  accessToken,
  bearer,
  conformanceFixture,
  type DetailSpec,
  dataBeforeFence,
  ISSUER,
  legacyToken,
  MERCURE_DETAIL_TYPE,
  privateUpdateReceivedBy,
  publishAs,
  publishThenFence,
  RESOURCE,
  SECRET,
  type TestHub,
  waitForSubscribers,
} from './support.js';

const { start, stream, current } = conformanceFixture();

const q = (value: string) => encodeURIComponent(value);
const METADATA_URL = 'https://hub.test/.well-known/oauth-protected-resource/.well-known/mercure';
const publisher = () => accessToken([{ actions: ['publish'], topics: ['*'] }]);
const subscriberOf = (...topics: unknown[]) => accessToken([{ actions: ['subscribe'], topics }]);

/** Publishes one update on `topic` with `token`: the status and the challenge. */
async function publishWith(
  token: string,
  topic = 'https://example.com/a',
): Promise<{ status: number; challenge: string | null }> {
  const h = current() ?? (await start());
  const res = await publishAs(h, token, [['topic', topic]]);
  return { status: res.status, challenge: res.response.headers.get('www-authenticate') };
}

const publishing = (detail: Partial<DetailSpec>) =>
  accessToken([{ actions: ['publish'], topics: ['*'], ...detail }]);

describe('draft-08 authorization details: the type URI', () => {
  it('"MUST have a type property whose value is the string https://mercure.rocks/authorization-detail": such a detail grants', async () => {
    expect(MERCURE_DETAIL_TYPE).toBe('https://mercure.rocks/authorization-detail');
    expect((await publishWith(await publishing({ type: MERCURE_DETAIL_TYPE }))).status).toBe(200);
  });

  it('"compared byte by byte": the earlier "mercure" type and a case-changed URI are foreign details that grant nothing (403 insufficient_scope)', async () => {
    for (const type of [
      'mercure',
      'HTTPS://mercure.rocks/authorization-detail',
      'https://Mercure.rocks/authorization-detail',
      'https://mercure.rocks/authorization-detail/',
    ]) {
      const { status, challenge } = await publishWith(await publishing({ type }));
      expect(status, type).toBe(403);
      expect(challenge).toMatch(/^Bearer error="insufficient_scope"/);
    }
  });
});

describe('draft-08 authorization details: actions', () => {
  it('"Hubs MUST ignore action values they do not recognize: an unrecognized action grants nothing, and its presence does not invalidate the token"', async () => {
    expect((await publishWith(await publishing({ actions: ['publish', 'frobnicate'] }))).status).toBe(200);
  });

  it('"a detail whose actions contains no action recognized by the hub simply grants nothing": 403, not 401', async () => {
    const { status, challenge } = await publishWith(await publishing({ actions: ['frobnicate'] }));
    expect(status).toBe(403);
    expect(challenge).toMatch(/error="insufficient_scope"/);
  });

  it('an unknown action beside subscribe still lets the subscriber receive private updates', async () => {
    const h = await start();
    const token = await accessToken([{ actions: ['frobnicate', 'subscribe'], topics: ['*'] }]);
    const s = await stream(h, 'match=*', bearer(token));
    expect(await privateUpdateReceivedBy(h, s, await publisher(), 'https://example.com/secret')).toEqual([
      'private',
    ]);
  });

  it.each([
    ['"A non-string entry in actions remains a validation failure"', ['publish', 7]],
    ['"actions … a non-empty JSON array of strings" (empty)', []],
    ['"actions … a non-empty JSON array of strings" (a string)', 'publish'],
  ])('%s: 401 invalid_token', async (_name, actions) => {
    const token = await accessToken([{ actions: actions as unknown[], topics: ['*'] }]);
    const { status, challenge } = await publishWith(token);
    expect(status).toBe(401);
    expect(challenge).toMatch(/^Bearer error="invalid_token"/);
  });
});

describe('draft-08 topic matcher list: match_type', () => {
  it('"this document defines exact and urlpattern": match_type urlpattern grants the topics the pattern matches', async () => {
    const token = await publishing({
      topics: [{ match: 'https://example.com/b/:id', match_type: 'urlpattern' }],
    });
    expect((await publishWith(token, 'https://example.com/b/1')).status).toBe(200);
    expect((await publishWith(token, 'https://example.com/c/1')).status).toBe(403);
  });

  it('"If no match_type key is present, the hub MUST assume the exact matcher type" (and match_type exact says the same)', async () => {
    for (const matcher of [
      { match: 'https://example.com/b/:id' },
      { match: 'https://example.com/b/:id', match_type: 'exact' },
    ]) {
      const token = await publishing({ topics: [matcher] });
      expect((await publishWith(token, 'https://example.com/b/1')).status).toBe(403);
      expect((await publishWith(token, 'https://example.com/b/:id')).status).toBe(200);
    }
  });

  it.each([
    ['an unsupported type', { match: 'https://example.com/.*', match_type: 'regexp' }],
    [
      '"The value of match_type is case-sensitive"',
      { match: 'https://example.com/b/:id', match_type: 'URLPattern' },
    ],
    ['a value that is not a string', { match: 'https://example.com/b', match_type: 7 }],
    ['the wildcard, which does not excuse the type', { match: '*', match_type: 'regexp' }],
  ])(
    '"a match_type the hub does not support MUST cause the token to be rejected": %s gives 401 invalid_token',
    async (_name, matcher) => {
      const { status, challenge } = await publishWith(await publishing({ topics: [matcher] }));
      expect(status).toBe(401);
      expect(challenge).toMatch(/^Bearer error="invalid_token"/);
    },
  );

  it("the earlier revision's matchType key rejects the token (401): read as an unknown member it would silently turn a URL pattern grant into an exact one", async () => {
    const token = await publishing({
      topics: [{ match: 'https://example.com/b/:id', matchType: 'URLPattern' }],
    });
    const { status, challenge } = await publishWith(token, 'https://example.com/b/1');
    expect(status).toBe(401);
    expect(challenge).toMatch(/^Bearer error="invalid_token"/);
  });
});

describe('draft-08 token validation: iss', () => {
  it('"Hubs MUST verify that the iss claim is present and exactly matches the issuer identifier of one of the hub\'s trusted issuers": missing or other iss gives 401 invalid_token', async () => {
    for (const token of [
      await accessToken([{ actions: ['publish'], topics: ['*'] }], { omit: ['iss'] }),
      await accessToken([{ actions: ['publish'], topics: ['*'] }], {
        claims: { iss: 'https://other.example' },
      }),
      await accessToken([{ actions: ['publish'], topics: ['*'] }], { claims: { iss: `${ISSUER}/` } }),
    ]) {
      const { status, challenge } = await publishWith(token);
      expect(status).toBe(401);
      expect(challenge).toMatch(/^Bearer error="invalid_token"/);
    }
    expect((await publishWith(await publisher())).status).toBe(200);
  });

  it('"Every token … MUST carry the claims RFC 9068 requires issuers to populate": a token with all seven is accepted; the hub enforces only iss, exp and aud ("the remaining claims are issuer obligations")', async () => {
    expect((await publishWith(await publisher())).status).toBe(200);
    const minimal = await accessToken([{ actions: ['publish'], topics: ['*'] }], {
      omit: ['sub', 'client_id', 'iat', 'jti'],
    });
    expect((await publishWith(minimal)).status).toBe(200);
  });

  it('"it MUST verify the signature using only the key(s) associated with the token\'s iss, never a pooled set spanning issuers"', async () => {
    const otherSecret = 'the-other-issuer-secret-with-enough-bytes';
    const other = 'https://other-publisher.example';
    const h = await start({
      jwt: {
        key: { type: 'hmac', secret: SECRET },
        resource: RESOURCE,
        issuer: ISSUER,
        issuers: [{ issuer: other, key: { type: 'hmac', secret: otherSecret } }],
      },
    });
    const allowAll: DetailSpec[] = [{ actions: ['publish'], topics: ['*'] }];
    const status = async (token: string) =>
      (await publishAs(h, token, [['topic', 'https://example.com/a']])).status;
    expect(await status(await accessToken(allowAll))).toBe(200);
    expect(await status(await accessToken(allowAll, { claims: { iss: other }, secret: otherSecret }))).toBe(
      200,
    );
    // Signed by a trusted issuer, claiming the other's identity: refused both ways.
    expect(await status(await accessToken(allowAll, { claims: { iss: other } }))).toBe(401);
    expect(await status(await accessToken(allowAll, { secret: otherSecret }))).toBe(401);
  });

  it('a hub given a resource identifier (draft-08 on) but no trusted issuer refuses to start, naming the option', async () => {
    await expect(
      createHub({ store: 'memory', jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE } }),
    ).rejects.toThrow(/`issuer`/);
  });
});

describe('one configuration, both versions: resource and issuer set', () => {
  it('serves a 0.x publisher and subscriber (HS256 mercure claim, no iss) and a draft-08 publisher and subscriber (at+jwt from the issuer) at the same time', async () => {
    const h = await start({
      allowAnonymous: false,
      jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    });
    const legacySubscriber = await stream(h, 'topic=*', bearer(await legacyToken({ subscribe: ['*'] })));
    const draftSubscriber = await stream(h, 'match=*', bearer(await subscriberOf('*')));
    expect(legacySubscriber.response.status).toBe(200);
    expect(draftSubscriber.response.status).toBe(200);
    await waitForSubscribers(h.herald, 2);
    const legacyPublish = await publishAs(h, await legacyToken({ publish: ['*'] }), [
      ['topic', 'https://example.com/books/1'],
      ['data', 'from 0.x'],
      ['private', 'on'],
    ]);
    const draftPublish = await publishAs(h, await publisher(), [
      ['topic', 'https://example.com/books/2'],
      ['data', 'from draft-08'],
      ['private', 'on'],
    ]);
    expect(legacyPublish.status).toBe(200);
    expect(draftPublish.status).toBe(200);
    for (const s of [legacySubscriber, draftSubscriber]) {
      expect((await s.waitFor(2)).map((e) => e.data)).toEqual(['from 0.x', 'from draft-08']);
    }
  });

  it('a 0.x token is verified without an iss check (it carries none), and never as a draft-08 token: authorization_details without at+jwt are refused', async () => {
    const h = await start();
    expect(
      (await publishAs(h, await legacyToken({ publish: ['*'] }), [['topic', 'https://example.com/a']]))
        .status,
    ).toBe(200);
    const untyped = await accessToken([{ actions: ['publish'], topics: ['*'] }], { typ: null });
    expect((await publishAs(h, untyped, [['topic', 'https://example.com/a']])).status).toBe(401);
  });
});

describe('draft-08 token presentation', () => {
  const secretTopic = 'https://example.com/secret';

  async function refusedWithInvalidRequest(
    hub: TestHub,
    query: string,
    init: RequestInit = {},
  ): Promise<void> {
    const res = await fetch(`${hub.url}/.well-known/mercure?${query}`, init);
    expect(res.status, query).toBe(400);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_request", resource_metadata="${METADATA_URL}"`,
    );
    await res.body?.cancel();
  }

  it('"The access_token URI query parameter … hubs implementing this specification do not accept it": subscribe and publish carrying it get 400 invalid_request', async () => {
    const h = await start();
    await refusedWithInvalidRequest(h, `match=*&access_token=${await subscriberOf('*')}`);
    // For every request, a 0.x `topic=` subscription included: the rule is the current text's.
    await refusedWithInvalidRequest(h, `topic=*&access_token=${await subscriberOf('*')}`);
    await refusedWithInvalidRequest(h, `access_token=${await publisher()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'topic=https%3A%2F%2Fexample.com%2Fa',
    });
  });

  it('"Token in the URL: authorization query parameter — not accepted": an at+jwt token there gets 400 invalid_request, while a 0.x token there still works for 0.x clients', async () => {
    const h = await start();
    await refusedWithInvalidRequest(h, `match=*&authorization=${await subscriberOf(secretTopic)}`);
    await refusedWithInvalidRequest(h, `topic=*&authorization=${await subscriberOf(secretTopic)}`);
    const legacy = await stream(
      h,
      `topic=*&authorization=${await legacyToken({ subscribe: [secretTopic] })}`,
    );
    expect(legacy.response.status).toBe(200);
    expect(await privateUpdateReceivedBy(h, legacy, await publisher(), secretTopic)).toEqual(['private']);
  });

  it('"when an Authorization HTTP header is present, its token MUST be used and any cookie MUST be ignored rather than the request rejected"; "When no Authorization header is present, the cookie, if any, MUST be used"', async () => {
    const h = await start();
    const granting = await subscriberOf(secretTopic);
    const cookie = `__Secure-mercure_access_token=${granting}`;
    const both = await stream(h, 'match=*', {
      ...bearer(await subscriberOf('https://example.com/other')),
      cookie,
    });
    const cookieOnly = await stream(h, 'match=*', { cookie });
    expect(both.response.status).toBe(200);
    await waitForSubscribers(h.herald, 2);
    const update = { topic: secretTopic, data: 'private', private: 'on' };
    await publishThenFence(h, await publisher(), [update], 'https://example.com/public', [both, cookieOnly]);
    expect(dataBeforeFence(both)).toEqual([]);
    expect(dataBeforeFence(cookieOnly)).toEqual(['private']);
  });

  it('"This header MUST contain the string Bearer followed by a space character and by the access token": a malformed Bearer header gets 400 with "WWW-Authenticate: Bearer error=invalid_request"', async () => {
    const h = await start();
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer\ttoken', 'bearer "quoted"']) {
      await refusedWithInvalidRequest(h, 'match=*', { headers: { authorization } });
      await refusedWithInvalidRequest(h, 'topic=*', { headers: { authorization } });
    }
    const token = await publisher();
    await refusedWithInvalidRequest(h, '', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token} extra`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'topic=https%3A%2F%2Fexample.com%2Fa',
    });
    // "the scheme name is matched case-insensitively"
    const lower = await publishAs(h, token, [['topic', 'https://example.com/a']], {
      authorization: `bEaReR ${token}`,
    });
    expect(lower.status).toBe(200);
  });

  it('an Authorization header of another scheme carries no access token (RFC 6750 §3.1): 401 without an error code, or the cookie when there is one', async () => {
    const h = await start({ allowAnonymous: false });
    const basic = await fetch(`${h.url}/.well-known/mercure?match=*`, {
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
    const withCookie = await stream(h, 'match=*', {
      authorization: 'Basic dXNlcjpwYXNz',
      cookie: `__Secure-mercure_access_token=${await subscriberOf(secretTopic)}`,
    });
    expect(withCookie.response.status).toBe(200);
  });

  it('"every such 401 or 403 carries that header, and the challenge SHOULD include the resource_metadata parameter … not only when no token is presented"', async () => {
    const expired = await accessToken([{ actions: ['publish'], topics: ['*'] }], {
      claims: { exp: Math.floor(Date.now() / 1000) - 60 },
    });
    expect((await publishWith(expired)).challenge).toBe(
      `Bearer error="invalid_token", resource_metadata="${METADATA_URL}"`,
    );
    const subscribeOnly = await subscriberOf('*');
    expect((await publishWith(subscribeOnly)).challenge).toBe(
      `Bearer error="insufficient_scope", resource_metadata="${METADATA_URL}"`,
    );
  });

  it('the protected resource metadata advertises what the hub accepts: bearer_methods_supported ["header"] and mercure_cookie "__Secure-mercure_access_token"', async () => {
    const h = await start();
    const res = await fetch(`${h.url}/.well-known/oauth-protected-resource/.well-known/mercure`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc['bearer_methods_supported']).toEqual(['header']);
    expect(doc['mercure_cookie']).toBe('__Secure-mercure_access_token');
    expect(doc['authorization_details_types_supported']).toEqual([MERCURE_DETAIL_TYPE]);
    expect(doc).not.toHaveProperty('jwks_uri');
    expect(doc).not.toHaveProperty('mercure_version');
  });
});

describe('draft-08 subscribe query parameter names', () => {
  it('"the bare match parameter selects the default exact matcher type, and a match_<matcher-type> parameter selects the named matcher type"', async () => {
    const h = await start();
    const s = await stream(
      h,
      `match_exact=${q('urn:a')}&match_urlpattern=${q('https://example.com/b/:id')}&match=${q('urn:c')}`,
    );
    expect(s.response.status).toBe(200);
    await waitForSubscribers(h.herald, 1);
    const token = await publisher();
    for (const topic of ['urn:a', 'https://example.com/b/1', 'urn:c', 'urn:d']) {
      await publishAs(h, token, [
        ['topic', topic],
        ['data', topic],
      ]);
    }
    expect((await s.waitFor(3)).map((e) => e.data)).toEqual(['urn:a', 'https://example.com/b/1', 'urn:c']);
  });

  it('"A request using a parameter name in the reserved match namespace … that does not correspond to a matcher type supported by the hub MUST be rejected with a 400": the earlier camelCase names included, with no Bearer challenge', async () => {
    const h = await start();
    for (const name of [
      'matchExact',
      'matchURLPattern',
      'match_URLPattern',
      'match_regexp',
      'match_type',
      'matcher',
    ]) {
      const res = await fetch(`${h.url}/.well-known/mercure?${name}=x`);
      expect(res.status, name).toBe(400);
      expect(res.headers.get('www-authenticate'), name).toBeNull();
      await res.body?.cancel();
    }
  });
});
