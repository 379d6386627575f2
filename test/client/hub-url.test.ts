import { describe, expect, it } from 'vitest';
import { hubUrl } from '../../src/client/index.js';

describe('hubUrl', () => {
  it('appends the well-known path and repeats topic parameters, percent-encoded', () => {
    const url = new URL(
      hubUrl('https://example.com', { topics: ['https://example.com/books/{id}', 'a b&c=d', 'x,y'] }),
    );
    expect(url.pathname).toBe('/.well-known/mercure');
    expect(url.searchParams.getAll('topic')).toEqual(['https://example.com/books/{id}', 'a b&c=d', 'x,y']);
    expect(url.search).not.toContain('{');
  });

  it('keeps a base that is already the hub URL, and a base path as a prefix', () => {
    expect(hubUrl('https://h.test/.well-known/mercure', { topics: ['t'] })).toBe(
      'https://h.test/.well-known/mercure?topic=t',
    );
    expect(hubUrl('https://h.test/app')).toBe('https://h.test/app/.well-known/mercure');
  });

  it('adds match selectors, last_event_id (draft-08, as match selectors make the request) and extra parameters', () => {
    const url = new URL(
      hubUrl('https://h.test/', {
        topics: ['t'],
        match: ['/books/:id', '/authors/*'],
        lastEventId: 'urn:uuid:1',
        params: { authorization: 'jwt', extra: ['1', '2'] },
      }),
    );
    expect(url.searchParams.getAll('match')).toEqual(['/books/:id', '/authors/*']);
    expect(url.searchParams.get('last_event_id')).toBe('urn:uuid:1');
    expect(url.searchParams.has('lastEventID')).toBe(false);
    expect(url.searchParams.get('authorization')).toBe('jwt');
    expect(url.searchParams.getAll('extra')).toEqual(['1', '2']);
  });

  it('writes the 0.x lastEventID when only topic selectors are given', () => {
    const url = new URL(hubUrl('https://h.test/', { topics: ['t'], lastEventId: 'urn:uuid:2' }));
    expect(url.searchParams.get('lastEventID')).toBe('urn:uuid:2');
    expect(url.searchParams.has('last_event_id')).toBe(false);
  });
});
