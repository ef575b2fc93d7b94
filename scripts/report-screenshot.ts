import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../shared/backfill/report';
import { withBrowser } from '../testbed/browser';
import { sampleReport } from '../testbed/sample-report';

/** docs/report.png for the README: the sample report the browser test checks, at 1400 px, in headless Chromium. */
export const main = async (): Promise<number> => {
  const file = join(mkdtempSync(join(tmpdir(), 'report-')), 'report.html');
  writeFileSync(file, renderHtml(await sampleReport()));
  const out = join(__dirname, '..', 'docs', 'report.png');
  mkdirSync(join(__dirname, '..', 'docs'), { recursive: true });
  await withBrowser({ width: 1400, height: 900 }, async (ctx) => {
    const page = await ctx.newPage();
    await page.goto(pathToFileURL(file).href);
    await page.screenshot({ path: out, fullPage: true });
  });
  console.log(`wrote ${out}`);
  return 0;
};
