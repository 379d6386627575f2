import { describe, expect, it } from 'vitest';
import { hubUrl } from '../../src/cli/publish.js';
import { mintToken } from '../../src/hub/index.js';
import { hubPerTest, SECRET, subscribe } from '../http/helpers.js';
import { herald } from './run-herald.js';

describe('herald publish: the hub URL', () => {
  const startHub = hubPerTest('memory');

  it('is required: without --url or HERALD_URL it exits 2 naming both, and posts nothing', async () => {
    const { code, stderr, stdout } = await herald(['publish', '--topic', 'x', '--data', 'y'], {
      HERALD_URL: '',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('--url');
    expect(stderr).toContain('HERALD_URL');
    expect(stdout).toBe('');
  });

  it('gets /.well-known/mercure when given a base URL, whether with --url or HERALD_URL', async () => {
    const { url } = await startHub();
    const token = await mintToken({ key: SECRET, publish: ['*'], subscribe: ['*'] });
    const stream = await subscribe(url, 'topic=greetings', { authorization: `Bearer ${token}` });
    try {
      const viaFlag = await herald(['publish', '--url', `${url}/`, '--topic', 'greetings', '--data', 'one'], {
        HERALD_JWT: token,
      });
      expect(viaFlag.code, viaFlag.stderr).toBe(0);
      expect(viaFlag.stdout).toMatch(/^urn:uuid:/);
      const viaEnv = await herald(['publish', '--topic', 'greetings', '--data', 'two', '--jwt', token], {
        HERALD_URL: url,
      });
      expect(viaEnv.code, viaEnv.stderr).toBe(0);
      const events = await stream.waitFor(2);
      expect(events.map((event) => event.data)).toEqual(['one', 'two']);
    } finally {
      stream.close();
    }
  }, 60_000);

  it('keeps an explicit path, and refuses what is not an http(s) URL', () => {
    expect(hubUrl('http://localhost:3000')).toBe('http://localhost:3000/.well-known/mercure');
    expect(hubUrl('https://hub.example/')).toBe('https://hub.example/.well-known/mercure');
    expect(hubUrl('https://hub.example/?x=1')).toBe('https://hub.example/.well-known/mercure?x=1');
    expect(hubUrl('https://example.com/hub/.well-known/mercure')).toBe(
      'https://example.com/hub/.well-known/mercure',
    );
    expect(hubUrl('https://example.com/custom-hub')).toBe('https://example.com/custom-hub');
    expect(() => hubUrl(undefined)).toThrow(/--url URL or set HERALD_URL/);
    expect(() => hubUrl('localhost:3000')).toThrow(/http/);
    expect(() => hubUrl('not a url')).toThrow(/not a URL/);
  });
});
