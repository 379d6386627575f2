/**
 * A publisher whose acknowledgement was lost retries, and the hub must not store or deliver the
 * update twice. Here the loss is real: a hub process on a SQLite file is killed with SIGKILL right
 * after the append committed and before it answered 200 (the fixture's store wrapper kills it; no
 * hook in Herald). The hub restarted on the same file finds the event; the retry, same id and same
 * content, is answered 200 with that id, and the history holds the event once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { readAll } from '../store/conformance.js';
import { legacyToken, publish, SECRET, subscribe } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const fixture = join(here, 'fixtures', 'hub-killed-after-append.ts');

interface HubProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts the fixture hub on `path`; resolves once it listens. */
async function startHubProcess(path: string, killAfterAppendOf?: string): Promise<HubProcess> {
  // `node --import tsx`, not the tsx CLI: the CLI runs the script in a grandchild that a SIGKILL of
  // its parent would leave running.
  const args = ['--import', 'tsx', fixture, path, SECRET, ...(killAfterAppendOf ? [killAfterAppendOf] : [])];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const port = await new Promise<string>((resolvePort, reject) => {
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^LISTENING (\d+)$/m.exec(stdout);
      if (match) resolvePort(match[1]!);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`hub exited (code ${code}, signal ${signal}) before listening: ${stderr}`)),
    );
  });
  return { child, url: `http://127.0.0.1:${port}`, exited };
}

describe('a publish retried after the hub was killed between storing and answering', () => {
  it('is answered 200 with the same id by the restarted hub, and the update is stored and delivered once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-retry-crash-'));
    dirs.push(dir);
    const path = join(dir, 'hub.db');
    const token = await legacyToken({ publish: ['*'] });
    const update: [string, string][] = [
      ['topic', 'https://example.com/orders/1'],
      ['id', 'urn:order:1:paid'],
      ['data', 'paid'],
    ];

    const doomed = await startHubProcess(path, 'urn:order:1:paid');
    // The append commits, then the process dies: the publisher never gets its answer.
    await expect(publish(doomed.url, token, update)).rejects.toThrow();
    expect((await doomed.exited).signal).toBe('SIGKILL');

    const restarted = await startHubProcess(path);
    // A subscriber replaying everything sees the committed event, then whatever comes live.
    const watcher = await subscribe(restarted.url, 'topic=*&lastEventID=earliest');
    expect((await watcher.waitFor(1)).map((event) => event.id)).toEqual(['urn:order:1:paid']);

    const retry = await publish(restarted.url, token, update);
    expect(retry.status).toBe(200);
    expect(await retry.text()).toBe('urn:order:1:paid');
    // A fence: everything published before it that reached the watcher has arrived.
    expect(
      (
        await publish(restarted.url, token, [
          ['topic', 'urn:fence'],
          ['data', 'fence'],
        ])
      ).status,
    ).toBe(200);
    const received = await watcher.waitFor(2);
    expect(received.map((event) => [event.id, event.data])).toEqual([
      ['urn:order:1:paid', 'paid'],
      [expect.stringMatching(/^urn:uuid:/), 'fence'],
    ]);
    watcher.close();

    restarted.child.kill('SIGTERM');
    expect((await restarted.exited).code).toBe(0);
    const store = SqliteStore.open(path);
    try {
      const history = await readAll(store);
      expect(history.map((event) => event.data)).toEqual(['paid', 'fence']);
    } finally {
      await store.close();
    }
  });
});
