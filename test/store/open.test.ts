import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { LocalBroker } from '../../src/store/local-broker.js';
import { MemoryStore } from '../../src/store/memory.js';
import { DEFAULT_MEMORY_MAX_EVENTS, openStore, parseStoreUrl } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/sqlite.js';
import { sqliteDriver } from '../../src/store/sqlite-driver.js';
import { newEvent, readAll } from './conformance.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-open-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('parseStoreUrl', () => {
  it.each([
    ['memory', { kind: 'memory' }],
    ['memory:', { kind: 'memory' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['sqlite:/var/lib/herald.db', { kind: 'sqlite', path: '/var/lib/herald.db' }],
    ['sqlite:///var/lib/herald.db', { kind: 'sqlite', path: '/var/lib/herald.db' }],
    ['sqlite:data/herald.db', { kind: 'sqlite', path: resolve('/srv/app', 'data/herald.db') }],
    ['redis://localhost', { kind: 'redis', url: 'redis://localhost' }],
    ['redis://127.0.0.1:6379/3', { kind: 'redis', url: 'redis://127.0.0.1:6379/3' }],
    [
      'rediss://user:secret@redis.example:6380',
      { kind: 'redis', url: 'rediss://user:secret@redis.example:6380' },
    ],
  ])('reads %s', (url, location) => {
    expect(parseStoreUrl(url, '/srv/app')).toEqual(location);
  });

  it('resolves a relative path against the working directory by default', () => {
    expect(parseStoreUrl('sqlite:herald.db')).toEqual({
      kind: 'sqlite',
      path: resolve(process.cwd(), 'herald.db'),
    });
  });

  it.each([
    '',
    'Memory',
    'sqlite:',
    'sqlite:  ',
    'sqlite://host/file.db',
    'redis://',
    'redis://localhost/db',
    'redis://localhost/1/2',
    'redis://localhost/1?prefix=x',
    'bolt:///x.db',
    'x.db',
  ])('rejects %j with INVALID_URL and names the value', (url) => {
    let caught: unknown;
    try {
      parseStoreUrl(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect(caught).toMatchObject({
      code: 'INVALID_URL',
      message: expect.stringContaining(JSON.stringify(url)),
    });
  });

  it('names a Redis URL it rejects without its password', () => {
    expect(() => parseStoreUrl('redis://user:secret@localhost/x')).toThrow(
      expect.objectContaining({ code: 'INVALID_URL', message: expect.not.stringContaining('secret') }),
    );
  });
});

describe('openStore', () => {
  it('opens a bounded memory store with a local broker', async () => {
    const { store, broker, retention } = await openStore('memory');
    expect(store).toBeInstanceOf(MemoryStore);
    expect(broker).toBeInstanceOf(LocalBroker);
    expect(retention).toEqual({ maxEvents: DEFAULT_MEMORY_MAX_EVENTS });
    await store.close();
    await broker.close();
  });

  it('applies the given retention over the defaults, the memory cap included', async () => {
    const { store, broker, retention } = await openStore('memory', {
      retention: { maxEvents: 2, maxAgeMs: 60_000 },
    });
    expect(retention).toEqual({ maxEvents: 2, maxAgeMs: 60_000 });
    for (let n = 1; n <= 3; n++) await store.append(newEvent(n), n);
    expect(await readAll(store)).toHaveLength(2);
    await store.close();
    await broker.close();
  });

  it('opens a SQLite file relative to cwd with the requested synchronous level', async () => {
    const { store, broker, retention } = await openStore('sqlite:herald.db', {
      cwd: dir,
      synchronous: 'NORMAL',
    });
    expect(retention).toEqual({});
    expect((store as SqliteStore).settings().synchronous).toBe('NORMAL');
    await store.append(newEvent(1), 1);
    await store.close();
    await broker.close();
    const reopened = await openStore(`sqlite:${join(dir, 'herald.db')}`);
    expect(await readAll(reopened.store)).toHaveLength(1);
    await reopened.store.close();
  });

  it('opens an in-memory SQLite store for tests', async () => {
    const { store } = await openStore('sqlite::memory:');
    expect(await store.headCursor()).toBe(0);
    await store.close();
  });

  it('rejects a bad URL with INVALID_URL', async () => {
    await expect(openStore('postgres://db')).rejects.toMatchObject({ code: 'INVALID_URL' });
  });

  it('rejects a bad retention with INVALID_ARGUMENT', async () => {
    await expect(openStore('memory', { retention: { maxEvents: -1 } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('openStore loading adapters on demand', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const loadedAfterOpening = (url: string) => {
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures', 'loaded-modules.ts'), url],
      { cwd: resolve(here, '..', '..'), encoding: 'utf8' },
    );
    return JSON.parse(output) as { isBetterSqlite3Loaded: boolean; isNodeSqliteLoaded: boolean };
  };

  it('loads no SQLite driver for the memory store, and the chosen one alone for sqlite:', () => {
    expect(loadedAfterOpening('memory')).toEqual({ isBetterSqlite3Loaded: false, isNodeSqliteLoaded: false });
    const chosen = sqliteDriver().name;
    const loaded = loadedAfterOpening('sqlite::memory:');
    if (chosen === 'node:sqlite')
      expect(loaded).toEqual({ isBetterSqlite3Loaded: false, isNodeSqliteLoaded: true });
    // Without node:sqlite it is better-sqlite3 (where node:sqlite is there but refused, it was probed).
    else expect(loaded.isBetterSqlite3Loaded).toBe(true);
  });
});
