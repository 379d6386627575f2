import { describe, expect, it } from 'vitest';
import {
  isAccessTokenType,
  requestVersion,
  subscriptionVersion,
  tokenVersion,
} from '../../src/hub/version.js';

describe('which Mercure version a token, a request and a subscription speak', () => {
  it('reads an at+jwt token (any case, with or without application/) as draft-08 when the hub accepts it', () => {
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt']) {
      expect(isAccessTokenType(typ)).toBe(true);
      expect(tokenVersion(typ, ['draft-08', 'legacy'])).toBe('draft-08');
    }
  });

  it('reads any other token as 0.x, and refuses what the hub does not accept', () => {
    for (const typ of ['JWT', undefined, 42, 'at+jwt2']) {
      expect(isAccessTokenType(typ)).toBe(false);
      expect(tokenVersion(typ, ['draft-08', 'legacy'])).toBe('legacy');
      expect(tokenVersion(typ, ['draft-08'])).toBeUndefined();
    }
    // A hub without a resource identifier accepts 0.x tokens only: an access token is read as one.
    expect(tokenVersion('at+jwt', ['legacy'])).toBe('legacy');
  });

  it('takes a request as draft-08 as soon as one selector is a match… parameter', () => {
    expect(requestVersion(['template', 'template'])).toBe('legacy');
    expect(requestVersion(['template', 'exact'])).toBe('draft-08');
    expect(requestVersion(['urlpattern'])).toBe('draft-08');
  });

  it('keeps the 0.x identity only when request and token are both 0.x (or the subscriber is anonymous)', () => {
    expect(subscriptionVersion('legacy', 'legacy')).toBe('legacy');
    expect(subscriptionVersion('legacy', undefined)).toBe('legacy');
    expect(subscriptionVersion('legacy', 'draft-08')).toBe('draft-08');
    expect(subscriptionVersion('draft-08', 'legacy')).toBe('draft-08');
  });
});
