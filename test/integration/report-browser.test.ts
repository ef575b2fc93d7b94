import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../shared/backfill/report';
import { withBrowser } from '../../testbed/browser';
import { sampleReport } from '../../testbed/sample-report';

describe('the HTML report in a real browser (headless Chromium)', () => {
  it('fits a 1400 px window: no horizontal overflow, long ARNs and details wrap, the chart is drawn', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'report-')), 'report.html');
    writeFileSync(file, renderHtml(await sampleReport()));
    const layout = await withBrowser({ width: 1400, height: 900 }, async (ctx) => {
      const page = await ctx.newPage();
      await page.goto(pathToFileURL(file).href);
      // Runs in the page: the project compiles without the DOM library, so the few DOM members used are typed here.
      return page.evaluate(() => {
        interface El {
          scrollWidth: number;
          clientWidth: number;
          textContent: string | null;
          children: El[];
          getBoundingClientRect(): { right: number; width: number };
          querySelectorAll(s: string): ArrayLike<El>;
        }
        const g = globalThis as unknown as {
          document: { documentElement: El; getElementById(id: string): El | null };
          window: { innerWidth: number };
        };
        const findings = g.document.getElementById('findings') as El;
        const chart = g.document.getElementById('chart');
        const cells = Array.from(findings.querySelectorAll('td'));
        return {
          viewport: g.window.innerWidth,
          scrollWidth: g.document.documentElement.scrollWidth,
          tableRight: findings.getBoundingClientRect().right,
          cellsOverflowing: cells.filter((c) => c.scrollWidth > c.clientWidth + 1).length,
          chart: chart
            ? {
                width: chart.getBoundingClientRect().width,
                found: chart.querySelectorAll('rect.found').length,
                after: chart.querySelectorAll('rect.after').length,
                text: chart.textContent ?? '',
              }
            : undefined,
          headline: g.document.getElementById('compliance')?.textContent,
          run: g.document.getElementById('run')?.textContent,
          listing: g.document.getElementById('unit-errors')?.textContent ?? '',
          observed: Array.from(findings.querySelectorAll('tr')).find(
            (tr) => tr.textContent?.includes('clickstream') && tr.textContent.includes('NOT_KMS'),
          )?.children[4]?.textContent,
        };
      });
    });
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.viewport);
    expect(layout.tableRight).toBeLessThanOrEqual(layout.viewport);
    expect(layout.cellsOverflowing).toBe(0);
    // NOT_KMS, WRONG_REGION_KEY, UNENCRYPTED; NO_TLS; ACCESS_DENIED: one pair of bars each.
    expect(layout.chart).toMatchObject({ found: 5, after: 5 });
    expect(layout.chart?.width).toBeGreaterThan(100);
    expect(layout.chart?.text).toMatch(/Encryption at rest[\s\S]*Transport \(TLS\)[\s\S]*Errors/);
    // 6 compliant of 12 evaluated (6 + 5 non-compliant + 1 error); the not-applicable row is not counted.
    expect(layout.headline).toBe('50%');
    expect(layout.run).toMatch(/^Mode: remediate\. Policy: policy\.yaml\. Not a dry run/);
    expect(layout.listing).toMatch(/answered with a web page, not an AWS response/);
    expect(layout.listing).not.toMatch(/hidden field/);
    expect(layout.observed).toBe('SSE-S3 (AES256, no KMS key)');
  }, 120_000);
});
