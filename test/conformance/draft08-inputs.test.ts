/**
 * The current Mercure text's rules on inputs that the other draft-08 suites do not reach: format
 * characters in matcher values, the publish media type, unknown publish fields, and key material
 * carried inside a token.
 */
import { type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  accessToken,
  bearer,
  conformanceFixture,
  dataBeforeFence,
  fence,
  HUB_PATH,
  ISSUER,
  publishAs,
  RESOURCE,
  waitForSubscribers,
} from './support.js';

const { start, stream } = conformanceFixture();

const q = (value: string) => encodeURIComponent(value);
const publisher = () => accessToken([{ actions: ['publish'], topics: ['*'] }]);

describe('draft-08 matcher values: control and format characters', () => {
  it.each([
    ['a zero-width space (U+200B)', 'https://example.com/a\u200Bb'],
    ['a left-to-right mark (U+200E)', 'https://example.com/\u200Ea'],
    ['a soft hyphen (U+00AD)', 'https://example.com/a\u00ADb'],
    ['a C1 control (U+0085)', 'https://example.com/a\u0085b'],
  ])(
    '"MUST NOT contain … Unicode format characters … MUST be rejected with a 400": %s in match',
    async (_name, value) => {
      const h = await start();
      for (const parameter of ['match', 'match_urlpattern']) {
        const response = await fetch(`${h.url}${HUB_PATH}?${parameter}=${q(value)}`);
        expect(response.status, parameter).toBe(400);
        expect(await response.text()).toMatch(/format character/);
      }
    },
  );

  it('a token whose matcher holds a format character is rejected (401 invalid_token), never read as another topic', async () => {
    const h = await start();
    const token = await accessToken([{ actions: ['publish'], topics: ['https://example.com/\u200Ea'] }]);
    const { status, response } = await publishAs(h, token, [['topic', 'https://example.com/a']]);
    expect(status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  });
});

describe('draft-08 matcher parameters without a value', () => {
  it.each(['match', 'match=', 'match_urlpattern', 'topic='])(
    '%s is refused with 400 naming the parameter',
    async (query) => {
      const h = await start();
      const response = await fetch(`${h.url}${HUB_PATH}?${query}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(`"${query.replace('=', '')}"`);
    },
  );
});

describe('draft-08 publication: the request body', () => {
  it('answers 415 to a body that is not application/x-www-form-urlencoded, and delivers nothing', async () => {
    const h = await start();
    const watcher = await stream(h, 'match=*');
    await waitForSubscribers(h.herald, 1);
    const response = await fetch(`${h.url}${HUB_PATH}`, {
      method: 'POST',
      headers: { ...bearer(await publisher()), 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'https://example.com/a', data: 'json' }),
    });
    expect(response.status).toBe(415);
    await fence(h, await publisher(), 'https://example.com/fence', [watcher]);
    expect(dataBeforeFence(watcher)).toEqual([]);
  });

  it('ignores form fields it does not know: the update is published and delivered', async () => {
    const h = await start();
    const watcher = await stream(h, 'match=*');
    await waitForSubscribers(h.herald, 1);
    const { status } = await publishAs(h, await publisher(), [
      ['topic', 'https://example.com/a'],
      ['data', 'known'],
      ['priority', 'high'],
      ['x-extension', '1'],
    ]);
    expect(status).toBe(200);
    await fence(h, await publisher(), 'https://example.com/fence', [watcher]);
    expect(dataBeforeFence(watcher)).toEqual(['known']);
  });
});

describe('draft-08 token validation: key material inside the token', () => {
  it('never verifies a token with a key it carries itself (jwk in the header): 401 invalid_token', async () => {
    const h = await start();
    const attackerSecret = new TextEncoder().encode('an attacker chose this secret, 32 bytes+');
    const nowSec = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      authorization_details: [
        {
          type: 'https://mercure.rocks/authorization-detail',
          actions: ['publish'],
          topics: [{ match: '*' }],
        },
      ],
      client_id: ISSUER,
    })
      .setProtectedHeader({
        alg: 'HS256',
        typ: 'at+jwt',
        // A symmetric key in `jwk` (jose's types forbid it in a header: exactly the attack).
        jwk: { kty: 'oct', k: Buffer.from(attackerSecret).toString('base64url') } as JWK,
      })
      .setIssuer(ISSUER)
      .setAudience(RESOURCE)
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + 600)
      .setSubject('attacker')
      .sign(attackerSecret);
    const { status, response } = await publishAs(h, token, [['topic', 'https://example.com/a']]);
    expect(status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  });
});

describe('names and values "MUST be valid UTF-8": never read as U+FFFD', () => {
  it.each([
    ['malformed percent-encoding', 'match=https%3A%2F%2Fexample.com%2F%ZZ'],
    ['a lone %', 'match=https://example.com/%'],
    ['escapes that are not UTF-8', 'match=https://example.com/%C3%28'],
    ['a byte that starts no UTF-8 sequence', 'topic=https://example.com/%FF'],
  ])('a subscription query with %s is refused with 400 naming the parameter', async (_name, query) => {
    const h = await start();
    const response = await fetch(`${h.url}${HUB_PATH}?${query}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/^"(match|topic)" in the query is not valid percent-encoded UTF-8/);
  });

  it('a publication whose form holds escapes that are not UTF-8 is refused with 400 naming the field, nothing delivered', async () => {
    const h = await start();
    const watcher = await stream(h, 'match=*');
    await waitForSubscribers(h.herald, 1);
    for (const [field, body] of [
      ['id', 'topic=https%3A%2F%2Fexample.com%2Fa&id=urn%3Ax%3A%FF'],
      ['data', 'topic=https%3A%2F%2Fexample.com%2Fa&data=caf%E9'],
      ['topic', 'topic=https%3A%2F%2Fexample.com%2F%ZZ'],
    ]) {
      const response = await fetch(`${h.url}${HUB_PATH}`, {
        method: 'POST',
        headers: { ...bearer(await publisher()), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      expect(response.status, field).toBe(400);
      expect(await response.text()).toContain(`"${field}" in the body is not valid percent-encoded UTF-8`);
    }
    await fence(h, await publisher(), 'https://example.com/fence', [watcher]);
    expect(dataBeforeFence(watcher)).toEqual([]);
  });

  it('a publication body with raw bytes that are not UTF-8 is refused with 400', async () => {
    const h = await start();
    const body = Buffer.concat([
      Buffer.from('topic=https%3A%2F%2Fexample.com%2Fa&data=caf'),
      Buffer.from([0xe9]),
    ]);
    const response = await fetch(`${h.url}${HUB_PATH}`, {
      method: 'POST',
      headers: { ...bearer(await publisher()), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('the request body is not valid UTF-8');
  });

  it('well-formed escapes of any text, and a literal + as a space, still work', async () => {
    const h = await start();
    const watcher = await stream(h, `match=${q('https://example.com/café')}`);
    await waitForSubscribers(h.herald, 1);
    const { status } = await publishAs(h, await publisher(), [
      ['topic', 'https://example.com/café'],
      ['data', 'crème brûlée + 🍮'],
    ]);
    expect(status).toBe(200);
    await fence(h, await publisher(), 'https://example.com/café', [watcher]);
    expect(dataBeforeFence(watcher)).toEqual(['crème brûlée + 🍮']);
  });
});
