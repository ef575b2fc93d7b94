import { Progress } from '../../shared/backfill/progress';
import { buildReport, reasonChart, renderHtml, renderMarkdown } from '../../shared/backfill/report';
import type { ResultRow } from '../../shared/backfill/store';
import { checkHtml, tableRows } from '../support/html';

const row = (unit: string, id: string, status: ResultRow['status'], extra: Partial<ResultRow> = {}): ResultRow =>
  ({ unit, id, status, action: 'NONE', result: 'NOT_ATTEMPTED', at: 't', ...extra });

async function* stream(rows: ResultRow[]) { yield* rows; }

describe('sweep report', () => {
  it('a bucket remediated with objects not all re-keyed is counted incomplete, not fixed', async () => {
    const r = await buildReport({ sweepId: 's', startedAt: 't', dryRun: false, units: [] }, stream([
      row('1/us-east-1/s3-bucket', 'half', 'NON_COMPLIANT', { reason: 'NOT_KMS', action: 'REMEDIATE', result: 'INCOMPLETE', data: '2 object versions re-keyed; 1 failed' }),
    ]));
    expect(r.totals).toMatchObject({ nonCompliant: 1, fixed: 0, incomplete: 1, compliancePctAfter: 0 });
    expect(renderMarkdown(r)).toContain('1 with objects not all re-keyed');
  });

  const rows = [
    row('1/us-east-1/s3-bucket', 'a', 'COMPLIANT'),
    row('1/us-east-1/s3-bucket', 'b', 'NON_COMPLIANT', { reason: 'NOT_KMS', action: 'REMEDIATE', result: 'VERIFIED' }),
    row('1/us-east-1/s3-bucket', 'c<script>', 'NON_COMPLIANT', { reason: 'WRONG_KEY', action: 'REPORT', observedKey: 'k"1' }),
    row('2/eu-west-1/s3-bucket', 'd', 'ERROR', { reason: 'ACCESS_DENIED', errorCode: 'ACCESS_DENIED', result: 'FAILED' }),
    row('2/eu-west-1/s3-bucket', 'e', 'NOT_APPLICABLE', { reason: 'RESOURCE_GONE' }),
  ];

  it('aggregates per unit and reason, keeping only findings as rows', async () => {
    const r = await buildReport({ sweepId: 's', startedAt: 't', dryRun: false, units: [] }, stream(rows), [{ unit: '3/us-east-1/s3-bucket', error: 'ACCESS_DENIED: no' }]);
    expect(r.totals).toEqual({ total: 5, compliant: 1, nonCompliant: 2, notApplicable: 1, errors: 1, fixed: 1, incomplete: 0, compliancePct: 25, compliancePctAfter: 50 });
    expect(r.groups.map((g) => [g.account, g.total, g.compliancePct])).toEqual([['2', 2, 0], ['1', 3, 33.3]]);
    expect(r.byReason).toEqual({ NOT_KMS: 1, WRONG_KEY: 1, ACCESS_DENIED: 1 });
    expect(r.findings.map((f) => f.id)).toEqual(['b', 'c<script>', 'd']);
  });

  it('renders escaped, well-formed HTML and Markdown with the counts', async () => {
    const r = await buildReport({ sweepId: 's<1>', startedAt: 't', dryRun: true, units: [] }, stream(rows), [{ unit: 'u', error: '<b>' }]);
    const html = renderHtml(r);
    expect(checkHtml(html)).toEqual([]);
    expect(html).not.toContain('<script>');
    expect(html).toContain('c&lt;script&gt;');
    expect(html).toContain('k&quot;1');
    expect(tableRows(html, 'findings')).toHaveLength(3);
    expect(tableRows(html, 'totals')[0]).toEqual(['5', '1', '2', '1', '1', '1']);
    const md = renderMarkdown(r);
    expect(md).toContain('(dry run)');
    expect(md).toContain('Compliance 25% as found, 50% after the sweep.');
    expect(md).toContain('- u: <b>');
  });

  it('draws one bar per reason, longest first, and says so when there is none', () => {
    const svg = reasonChart({ A: 1, B: 4 });
    expect(svg.indexOf('>B<')).toBeLessThan(svg.indexOf('>A<'));
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(reasonChart({})).toContain('No findings');
  });
});

describe('progress', () => {
  const sink = (isTTY: boolean) => { const out: string[] = []; return { out, stream: { isTTY, columns: 100, write: (s: string) => out.push(s) } }; };

  it('draws a bar with counts and rate on a terminal', () => {
    const { out, stream: s } = sink(true);
    const p = new Progress(s, 2);
    p.result(row('u', 'a', 'NON_COMPLIANT'));
    p.unitDone();
    expect(out.at(-1)).toMatch(/^\r\[#{12}\.{12}\] 1 resources, 1 non-compliant, 0 errors, 1\/2 units, [\d.]+\/s/);
    p.done();
    expect(out.at(-1)).toMatch(/^backfill done: 1 resources/);
  });

  it('prints plain lines (no carriage returns) otherwise', () => {
    const { out, stream: s } = sink(false);
    const p = new Progress(s, 1, 60_000);
    for (let i = 0; i < 50; i++) p.result(row('u', `${i}`, 'COMPLIANT'));
    p.unitDone();
    expect(out.every((l) => !l.includes('\r') && l.endsWith('\n'))).toBe(true);
    expect(out).toHaveLength(2);
  });
});
