import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseServeConfig } from '../../src/cli/config.js';
import { herald } from './run-herald.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-config-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes `content` (an object as JSON, or raw text) to a new file and returns its path. */
function configFile(content: unknown): string {
  const path = join(dir, `config-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('herald serve --config', () => {
  it('reads options named as the long flags: texts, numbers, booleans and lists', () => {
    const path = configFile({
      'max-connections-per-ip': 100,
      'publish-rate': 2.5,
      'jwt-key': '@/etc/herald/key.pem',
      anonymous: true,
      'cors-origin': ['https://a.example', 'https://b.example'],
      'trust-proxy': '10.0.0.0/8, loopback',
    });
    const config = parseServeConfig(['--config', path], {});
    expect(config).toMatchObject({
      maxConnectionsPerIp: 100,
      publishRate: 2.5,
      jwtKey: '@/etc/herald/key.pem',
      anonymous: true,
      corsOrigins: ['https://a.example', 'https://b.example'],
      trustProxy: ['10.0.0.0/8', 'loopback'],
      configFile: path,
    });
    expect(parseServeConfig([], { HERALD_CONFIG: path }).maxConnectionsPerIp).toBe(100);
  });

  it('ranks flags over environment variables over the file over the defaults', () => {
    const path = configFile({ port: 4000, 'max-connections': 7, 'heartbeat-ms': 5000, anonymous: true });
    const config = parseServeConfig(['--config', path, '--port', '4001'], {
      HERALD_PORT: '4002',
      HERALD_MAX_CONNECTIONS: '8',
      HERALD_ANONYMOUS: 'false',
    });
    expect(config.port).toBe(4001);
    expect(config.maxConnections).toBe(8);
    expect(config.heartbeatMs).toBe(5000);
    // An environment variable set to false wins over the file's true.
    expect(config.anonymous).toBe(false);
    expect(config.maxConnectionsPerIp).toBeUndefined();
    expect(parseServeConfig(['--config', path], {}).anonymous).toBe(true);
  });

  it('checks the values with the flags own checks and messages', () => {
    const path = configFile({ 'max-connections-per-ip': -1 });
    expect(() => parseServeConfig(['--config', path], {})).toThrow(
      new ConfigError('--max-connections-per-ip must be a non-negative integer'),
    );
    expect(() => parseServeConfig(['--config', configFile({ 'publish-rate': 'fast' })], {})).toThrow(
      /--publish-rate \(HERALD_PUBLISH_RATE\) must be a non-negative number/,
    );
    expect(() => parseServeConfig(['--config', configFile({ 'log-level': 'loud' })], {})).toThrow(
      /--log-level must be one of trace, debug, info, warn, error, fatal, silent/,
    );
  });

  it('refuses unknown options and wrong types, naming the file and the option', () => {
    const unknown = configFile({ 'max-conections': 5 });
    expect(() => parseServeConfig(['--config', unknown], {})).toThrow(
      `--config ${unknown}: "max-conections" is not an option of herald serve`,
    );
    const nested = configFile({ config: 'other.json' });
    expect(() => parseServeConfig(['--config', nested], {})).toThrow(/"config" is not an option/);
    expect(() => parseServeConfig(['--config', configFile({ anonymous: 'yes' })], {})).toThrow(
      /"anonymous" must be true or false/,
    );
    expect(() => parseServeConfig(['--config', configFile({ port: [3000] })], {})).toThrow(
      /"port" must be a text or a number/,
    );
    expect(() => parseServeConfig(['--config', configFile([1, 2])], {})).toThrow(
      /one JSON object of options/,
    );
  });

  it('says where a file is not JSON without quoting it, and names a file it cannot read', () => {
    const broken = configFile('{\n  "jwt-key": "a-secret-value",\n  oops\n}');
    let message = '';
    try {
      parseServeConfig(['--config', broken], {});
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`^--config ${broken}: not valid JSON`));
    expect(message).not.toContain('a-secret-value');
    const missing = join(dir, 'missing.json');
    expect(() => parseServeConfig(['--config', missing], {})).toThrow(`--config: cannot read ${missing}`);
  });

  it('names an unusable key file at start, as a reload does, and exits 2', async () => {
    const missing = join(dir, 'missing-key.pem');
    const { code, stderr } = await herald(['serve', '--store', 'memory', '--jwt-key', `@${missing}`]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--jwt-key (${missing}): cannot read the file (ENOENT)`);
  });
});
