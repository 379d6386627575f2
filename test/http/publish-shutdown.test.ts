import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub } from '../../src/http/index.js';
import { serveHub } from '../support/listen.js';
import { ISSUER, legacyToken, publish, RESOURCE, SECRET } from './helpers.js';

const jwt = { key: { type: 'hmac' as const, secret: SECRET }, resource: RESOURCE, issuer: ISSUER };

/** A publication that raced the shutdown: its status, body and `Retry-After`. */
interface Answer {
  id: string;
  status: number;
  body: string;
  retryAfter: string | null;
}

describe.each(['memory', 'sqlite'] as const)('publishing during shutdown (%s store)', (kind) => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('answers 200 (stored) or 503 with Retry-After, never 500', async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-shutdown-'));
    const store = kind === 'memory' ? 'memory' : `sqlite:${join(dir, 'hub.db')}`;
    const served = await serveHub(await createHub({ store, jwt }));
    const token = await legacyToken({ publish: ['*'] });
    const send = async (id: string): Promise<Answer> => {
      const response = await publish(served.url, token, [
        ['topic', 'https://example.com/a'],
        ['data', id],
        ['id', id],
      ]);
      return {
        id,
        status: response.status,
        body: await response.text(),
        retryAfter: response.headers.get('retry-after'),
      };
    };
    const ids = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => `urn:${prefix}:${i}`);

    const before = await Promise.all(ids('before', 5).map(send));
    // Eight publishers in a loop while the hub stops accepting and closes: the close starts once
    // ten of their publications are acknowledged, and each loop stops at its first refusal.
    const during: Answer[] = [];
    let closing: Promise<void> | undefined;
    const publisher = async (worker: number) => {
      for (let i = 0; i < 200; i++) {
        const answer = await send(`urn:racing:${worker}:${i}`);
        during.push(answer);
        if (closing === undefined && during.filter((a) => a.status === 200).length >= 10) {
          served.herald.stopAccepting();
          closing = served.herald.close();
        }
        if (answer.status !== 200) return;
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, worker) => publisher(worker)));
    await closing;
    const after = await Promise.all(ids('after', 5).map(send));
    await served.close();

    const answers = [...before, ...during, ...after];
    for (const answer of answers) {
      expect([200, 503], `${answer.id}: ${answer.status} ${answer.body}`).toContain(answer.status);
      if (answer.status === 503) {
        expect(answer.retryAfter).toBe('1');
        expect(answer.body).toMatch(/shutting down|unavailable/);
      }
    }
    expect(before.every((answer) => answer.status === 200)).toBe(true);
    expect(during.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(10);
    expect(during.filter((answer) => answer.status === 503)).toHaveLength(8);
    expect(after.every((answer) => answer.status === 503)).toBe(true);

    if (kind === 'sqlite') {
      // Every acknowledged publication is in the store after a restart.
      const reopened = await createHub({ store, jwt });
      try {
        const acknowledged = answers.filter((answer) => answer.status === 200).map((answer) => answer.body);
        const kept = new Set<string>();
        const store = reopened.hub.store;
        for (const event of await store.readRange(0, await store.headCursor(), 1_000)) kept.add(event.id);
        for (const id of acknowledged) expect(kept.has(id), id).toBe(true);
      } finally {
        await reopened.close();
      }
    }
  });
});
