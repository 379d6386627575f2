import { describe, expect, it } from 'vitest';
import { parseServeConfig } from '../../src/cli/config.js';

describe('serve --demo configuration', () => {
  it('is off unless asked for', () => {
    const config = parseServeConfig([], {});
    expect(config.demo).toBe(false);
    expect(config.host).toBeUndefined();
  });

  it('binds loopback, keeps the embedded SQLite default and turns the subscriptions API on', () => {
    const config = parseServeConfig(['--demo'], {});
    expect(config).toMatchObject({
      demo: true,
      host: '127.0.0.1',
      store: 'sqlite:./herald.db',
      subscriptions: true,
    });
  });

  it('honours an explicit --host and --store, and HERALD_DEMO', () => {
    const config = parseServeConfig(['--host', '0.0.0.0', '--store', 'sqlite:./x.db'], { HERALD_DEMO: '1' });
    expect(config).toMatchObject({ demo: true, host: '0.0.0.0', store: 'sqlite:./x.db' });
  });
});
