import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium (installed by `npm test`'s pretest, scripts/ensure-chromium.js). */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Headless Chromium with a fresh profile and nothing that reaches out (no updates, sync, QUIC, first-run
 * fetches): the page is a local file and must render from itself alone.
 */
export const withBrowser = async <T>(
  viewport: { width: number; height: number },
  fn: (ctx: BrowserContext) => Promise<T>,
): Promise<T> => {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
};
