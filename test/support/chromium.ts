import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium. We never download a browser: the system one is what the project tests against. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, sandbox-less (containers), and quiet: no background traffic that could disturb a test. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Debian Chromium through playwright-core. Close the browser in `afterAll`.
 * Fails loudly (rather than skipping) when the binary is missing, so a browser test never passes
 * by not running.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install the Debian "chromium" package`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
