import { describe, expect, it } from 'vitest';
import { ConfigError, parseServeConfig } from '../../src/cli/config.js';
import { SERVE_HELP } from '../../src/cli/help.js';

describe('--publish-rate and --publish-burst', () => {
  it('are off by default', () => {
    expect(parseServeConfig([], {})).toMatchObject({ publishRate: 0, publishBurst: undefined });
  });

  it('read flags before HERALD_PUBLISH_RATE / HERALD_PUBLISH_BURST, decimals allowed for the rate', () => {
    expect(parseServeConfig(['--publish-rate', '2.5', '--publish-burst', '10'], {})).toMatchObject({
      publishRate: 2.5,
      publishBurst: 10,
    });
    expect(
      parseServeConfig(['--publish-rate', '3'], { HERALD_PUBLISH_RATE: '9', HERALD_PUBLISH_BURST: '4' }),
    ).toMatchObject({ publishRate: 3, publishBurst: 4 });
  });

  it('refuse a bad rate or a burst below 1, naming the flag', () => {
    expect(() => parseServeConfig(['--publish-rate', 'fast'], {})).toThrow(ConfigError);
    expect(() => parseServeConfig(['--publish-rate', '-1'], {})).toThrow(/--publish-rate/);
    expect(() => parseServeConfig(['--publish-burst', '0'], {})).toThrow(/--publish-burst/);
    expect(() => parseServeConfig([], { HERALD_PUBLISH_BURST: '1.5' })).toThrow(/HERALD_PUBLISH_BURST/);
  });

  it('have help text', () => {
    expect(SERVE_HELP.flags['publish-rate'].text).toMatch(/429/);
    expect(SERVE_HELP.flags['publish-burst'].arg).toBe('N');
  });
});
