import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CreateHubOptions, createHub, type HeraldHub } from '../../src/http/index.js';
import { serveOnLoopback } from '../support/listen.js';

/** What the page exposes for tests (web/main.ts declares the same shape). */
export interface DemoLabState {
  published: string[];
  ids: Record<'sse' | 'long-poll' | 'short-poll', string[]>;
  isRunning: boolean;
}

declare global {
  interface Window {
    heraldDemo?: { lab: DemoLabState; ready: boolean };
  }
}

interface BuildWebModule {
  buildWeb(outDir: string): Promise<string[]>;
}

export interface DemoHub {
  herald: HeraldHub;
  url: string;
  close(): Promise<void>;
}

/** Builds the page (scripts/build-web.mjs) into a temporary directory and serves a demo hub on port 0. */
export async function startDemoHub(options: CreateHubOptions = {}): Promise<DemoHub> {
  const webDir = mkdtempSync(join(tmpdir(), 'herald-web-'));
  // A variable specifier: the build script is plain JavaScript without type declarations.
  const script = new URL('../../scripts/build-web.mjs', import.meta.url).href;
  const { buildWeb } = (await import(script)) as BuildWebModule;
  await buildWeb(webDir);
  const herald = await createHub({ demo: { webDir }, subscriptionsApi: true, ...options });
  const { url, close } = await serveOnLoopback(herald.handleNode);
  return {
    herald,
    url,
    async close() {
      await herald.close();
      await close();
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}
