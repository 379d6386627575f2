import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { createDemoHub, type DemoHubOptions } from '../../src/demo/index.js';
import type { HeraldHub } from '../../src/http/index.js';
import { launchChromium } from '../support/chromium.js';
import { serveHub } from '../support/listen.js';

// The pages' own declaration: importing it also brings layout.ts's `Window.heraldDemo` into the
// tests' program, so page functions read `window.heraldDemo` typed as the pages write it.
export type { DemoHandle } from '../../web/shared/layout.js';

interface BuildWebModule {
  buildWeb(outDir: string): Promise<string[]>;
}

export interface DemoHub {
  herald: HeraldHub;
  url: string;
  close(): Promise<void>;
}

/**
 * Builds the pages (scripts/build-web.mjs, Vite; well under a second) into a temporary directory
 * and serves a demo hub on port 0, with the subscriptions API on as `herald serve --demo` has it.
 */
export async function startDemoHub(options: DemoHubOptions = {}): Promise<DemoHub> {
  const webDir = mkdtempSync(join(tmpdir(), 'herald-web-'));
  // A variable specifier: the build script is plain JavaScript without type declarations.
  const script = new URL('../../scripts/build-web.mjs', import.meta.url).href;
  const { buildWeb } = (await import(script)) as BuildWebModule;
  await buildWeb(webDir);
  const herald = await createDemoHub({ demo: { webDir }, subscriptionsApi: true, ...options });
  return serveHub(herald, () => rmSync(webDir, { recursive: true, force: true }));
}

/** What `useDemoBrowser` hands a test file: its Chromium and its demo hub, once `beforeAll` ran. */
export interface DemoBrowser {
  readonly browser: Browser;
  readonly hub: DemoHub;
}

/**
 * One Chromium and one demo hub for the tests of a file (call it in the `describe` body): started
 * in `beforeAll`, closed in `afterAll`. Each is assigned as soon as it is up, so a failure of the
 * other still leaves it to be closed.
 */
export function useDemoBrowser(options: DemoHubOptions = {}): DemoBrowser {
  let browser: Browser | undefined;
  let hub: DemoHub | undefined;
  beforeAll(async () => {
    await Promise.all([
      launchChromium().then((launched) => {
        browser = launched;
      }),
      startDemoHub(options).then((started) => {
        hub = started;
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });
  return {
    get browser() {
      if (browser === undefined) throw new Error('useDemoBrowser: Chromium is there from beforeAll on');
      return browser;
    },
    get hub() {
      if (hub === undefined) throw new Error('useDemoBrowser: the hub is there from beforeAll on');
      return hub;
    },
  };
}

/** A phone-sized viewport (the pages must work there) and a desktop one. */
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

/**
 * Collects every console error and uncaught page error of the pages of `context`, so a test can
 * assert that a page ran without any (`expectNoConsoleErrors`).
 */
export function watchConsole(context: BrowserContext): string[] {
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  return errors;
}

export function expectNoConsoleErrors(errors: string[]): void {
  expect(errors).toEqual([]);
}

/**
 * The console errors are exactly the expected ones, in order: the browser logs a refused request
 * (a 4xx the page shows on purpose) as an error; anything else fails the test.
 */
export function expectOnlyConsoleErrors(errors: string[], expected: RegExp[]): void {
  expect(errors).toHaveLength(expected.length);
  for (const [i, pattern] of expected.entries()) expect(errors[i]).toMatch(pattern);
}

/** Opens `path` of the demo in a new tab of `context` and waits until the page says it is ready. */
export async function openDemoPage(context: BrowserContext, hub: DemoHub, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${hub.url}${path}`);
  await waitForDemoReady(page);
  return page;
}

/** Until the page (after `goto`, or a navigation of its own) says it is ready. */
export async function waitForDemoReady(page: Page): Promise<void> {
  await page.waitForFunction(() => window.heraldDemo?.ready === true, undefined, { timeout: 10_000 });
}

/**
 * Until the page's `window.heraldDemo.state[key]` (a counter, or a list's length) is at least
 * `atLeast`. `S` is the page's state type, so that `key` is one of its fields.
 */
export async function waitForStateCount<S>(
  page: Page,
  key: Extract<keyof S, string>,
  atLeast: number,
  timeoutMs = 5_000,
): Promise<void> {
  await page.waitForFunction(
    ([field, wanted]) => {
      const value = (window.heraldDemo?.state as Record<string, unknown> | undefined)?.[field];
      const count = Array.isArray(value) ? value.length : typeof value === 'number' ? value : 0;
      return count >= wanted;
    },
    [key, atLeast] as const,
    { timeout: timeoutMs },
  );
}

/** The pages must work at phone width without scrolling sideways. */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, 'document wider than the window').toBeLessThanOrEqual(innerWidth);
}

/** A new browser context (own storage, own BroadcastChannel scope) that reports console errors. */
export async function newDemoContext(
  browser: Browser,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  return { context, errors: watchConsole(context) };
}

/** A new context at `viewport` (console errors collected) with `path` opened in it. */
export async function openInNewContext(
  demo: DemoBrowser,
  path: string,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; errors: string[]; page: Page }> {
  const { context, errors } = await newDemoContext(demo.browser, viewport);
  return { context, errors, page: await openDemoPage(context, demo.hub, path) };
}

/** Where screenshots go: `test-output/screenshots/` (ignored by git). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '../../test-output/screenshots');

/** Writes a full-page PNG of `page` as `test-output/screenshots/<name>.png`; resolves with its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Moves focus with Tab until `selector` has it (at most `maxTabs` presses); keyboard use. */
export async function tabTo(page: Page, selector: string, maxTabs = 40): Promise<void> {
  for (let i = 0; i < maxTabs; i += 1) {
    await page.keyboard.press('Tab');
    const isFocused = await page.evaluate(
      (wanted) => document.activeElement?.matches(wanted) === true,
      selector,
    );
    if (isFocused) return;
  }
  throw new Error(`${selector} never received focus within ${maxTabs} Tab presses`);
}

/** A demo token for `user`, as any visitor of the demo may get one (`POST /demo/token`). */
export async function demoToken(hub: DemoHub, user = 'bob'): Promise<string> {
  const response = await fetch(`${hub.url}/demo/token?user=${user}`, { method: 'POST' });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

/**
 * Publishes from the test process as any visitor of the demo may: a form POST to the hub with a
 * demo token for `user`. Resolves with the hub's answer (not checked).
 */
export async function publishWithDemoToken(
  hub: DemoHub,
  fields: Record<string, string>,
  user = 'bob',
): Promise<Response> {
  const token = await demoToken(hub, user);
  return fetch(`${hub.url}/.well-known/mercure`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
}

/** The page says, in its banner, that it acts as Alice for the unknown user `?as=zed`. */
export async function expectFallbackToAlice(page: Page): Promise<void> {
  expect(await page.textContent('#banner')).toBe('There is no demo user "zed": this tab acts as Alice.');
  expect(await page.isVisible('#banner')).toBe(true);
}
