/**
 * No code block of docs/learn can rot: each one is either a copy of a marked region of a file under
 * examples/ (which its own test runs), or compared here with what a real run prints. A block with
 * neither marker fails, as does a checker no block uses.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { start as startHerald } from '../../examples/learn/herald-sse-server.js';
import { start as startHub } from '../../examples/learn/hub-sse-server.js';
import { start as startRaw } from '../../examples/learn/raw-sse-server.js';
import { blocksOf, type DocBlock, learnPages, ROOT, regionOf } from './doc-blocks.js';
import { hasEvents, readRaw } from './raw-http.js';
import { normalize, run } from './transcripts.js';

vi.mock('herald/client', () => import('../../src/client/index.js'));
vi.mock('herald/server', () => import('../../src/server/index.js'));
vi.mock('herald/hub', () => import('../../src/http/index.js'));

const TICK_MS = 10;

/** Each checker asserts that its block says what a real run shows. */
const CHECKERS: Record<string, (block: DocBlock) => Promise<void>> = {
  'raw-curl': async (block) => {
    const command = 'curl -N -i http://localhost:3000/events';
    const actual = await run(await startRaw(0, TICK_MS), command, '/events', { count: 3, withHead: true });
    expectTranscript(block, actual);
  },
  'raw-last-event-id': async (block) => {
    const command = "curl -N -H 'Last-Event-ID: 41' http://localhost:3000/events";
    const actual = await run(await startRaw(0, TICK_MS), command, '/events', {
      count: 2,
      withHead: false,
      headers: { 'Last-Event-ID': '41' },
    });
    expectTranscript(block, actual);
  },
  'raw-event-bytes': async (block) => {
    // One JSON string per line: the bytes of the first event, line ends shown as \n.
    const bytes = block.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as string)
      .join('');
    const server = await startRaw(0, TICK_MS);
    try {
      const { body } = await readRaw(`${server.url}/events`, hasEvents(1));
      expect(body).toContain(`\n\n${bytes}`);
      expect(bytes.endsWith('\n\n')).toBe(true);
    } finally {
      await server.close();
    }
  },
  'herald-curl': async (block) => {
    const command = 'curl -N -i http://localhost:3000/events';
    const actual = await run(await startHerald(0, TICK_MS), command, '/events', { count: 2, withHead: true });
    expectTranscript(block, actual);
  },
  'hub-curl': async (block) => {
    const command = "curl -N 'http://localhost:3000/.well-known/mercure?topic=ticks'";
    const actual = await run(await startHub(0, TICK_MS), command, '/.well-known/mercure?topic=ticks', {
      count: 2,
      withHead: false,
    });
    expectTranscript(block, actual, true);
    expect(block.text).toMatch(/^data: tick 1\n[\s\S]*^data: tick 2$/m); // in the guide: a subscriber from the start
  },
  'index-commands': async (block) => {
    // Each command names files that exist, and the curl line's address is what the server serves.
    const lines = block.text.trimEnd().split('\n');
    expect(lines[0]).toBe('npm ci');
    const run = /^npx tsx (\S+)\s+# then, in another terminal: curl -N http:\/\/localhost:3000(\/\S*)$/.exec(
      lines[1] ?? '',
    );
    expect(run, lines[1]).not.toBeNull();
    expect(run?.[1]).toBe('examples/learn/raw-sse-server.ts');
    const server = await startRaw(0, TICK_MS);
    try {
      const response = await fetch(`${server.url}${run?.[2]}`);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await response.body?.cancel();
    } finally {
      await server.close();
    }
    const test = /^npx vitest run ((?:\S+ )+)\s*#/.exec(lines[2] ?? '');
    expect(test, lines[2]).not.toBeNull();
    for (const path of (test?.[1] ?? '').trim().split(' '))
      expect(existsSync(join(ROOT, path)), path).toBe(true);
    expect(lines).toHaveLength(3);
  },
};

function expectTranscript(block: DocBlock, actual: string, hubTicks = false): void {
  expect(normalize(block.text, hubTicks), `${block.page}:${block.line} against a real run:\n${actual}`).toBe(
    normalize(actual, hubTicks),
  );
}

const blocks = learnPages().flatMap(blocksOf);

describe('docs/learn code blocks', () => {
  it('has pages, and every block carries a marker', () => {
    expect(learnPages()).toContain('index.md');
    const unmarked = blocks.filter((block) => block.marker === undefined).map((b) => `${b.page}:${b.line}`);
    expect(unmarked).toEqual([]);
  });

  it.each(
    blocks
      .filter((block) => block.marker?.kind === 'from')
      .map((block) => [`${block.page}:${block.line}`, block]),
  )('%s is a copy of the region it names', (_, block) => {
    if (block.marker?.kind !== 'from') throw new Error('not a copy');
    expect(existsSync(join(ROOT, block.marker.file))).toBe(true);
    expect(block.text).toBe(regionOf(block.marker.file, block.marker.region));
  });

  it.each(
    blocks
      .filter((block) => block.marker?.kind === 'checked')
      .map((block) => [`${block.page}:${block.line}`, block]),
  )('%s says what a real run prints', async (_, block) => {
    if (block.marker?.kind !== 'checked') throw new Error('not checked');
    const check = CHECKERS[block.marker.key];
    expect(check, `no checker named "${block.marker.key}"`).toBeDefined();
    await check!(block);
  });

  it('uses every checker exactly once', () => {
    const keys = blocks.flatMap((block) => (block.marker?.kind === 'checked' ? [block.marker.key] : []));
    expect(keys.sort()).toEqual(Object.keys(CHECKERS).sort());
  });
});
