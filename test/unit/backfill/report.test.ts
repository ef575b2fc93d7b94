import { Progress } from '../../../shared/backfill/progress';
import { buildReport, reasonChart, renderHtml, renderMarkdown } from '../../../shared/backfill/report';
import type { ResultRow } from '../../../shared/backfill/store';
import { checkHtml, tableRows } from '../../support/html';

const row = (unit: string, id: string, status: ResultRow['status'], extra: Partial<ResultRow> = {}): ResultRow => ({
  unit,
  id,
  status,
  action: 'NONE',
  result: 'NOT_ATTEMPTED',
  at: 't',
  ...extra,
});

async function* stream(rows: ResultRow[]) {
  yield* rows;
}

describe('sweep report', () => {
  it('a bucket remediated with objects not all re-keyed is counted incomplete, not fixed', async () => {
    const r = await buildReport(
      { sweepId: 's', startedAt: 't', dryRun: false, units: [] },
      stream([
        row('1/us-east-1/s3-bucket', 'half', 'NON_COMPLIANT', {
          reason: 'NOT_KMS',
          action: 'REMEDIATE',
          result: 'INCOMPLETE',
          data: '2 object versions re-keyed; 1 failed',
        }),
      ]),
    );
    expect(r.totals).toMatchObject({ nonCompliant: 1, fixed: 0, incomplete: 1, compliancePctAfter: 0 });
    expect(renderMarkdown(r)).toContain('1 with objects not all re-keyed');
  });

  const rows = [
    row('1/us-east-1/s3-bucket', 'a', 'COMPLIANT'),
    row('1/us-east-1/s3-bucket', 'b', 'NON_COMPLIANT', { reason: 'NOT_KMS', action: 'REMEDIATE', result: 'VERIFIED' }),
    row('1/us-east-1/s3-bucket', 'c<script>', 'NON_COMPLIANT', {
      reason: 'WRONG_KEY',
      action: 'REPORT',
      observedKey: 'k"1',
    }),
    row('2/eu-west-1/s3-bucket', 'd', 'ERROR', {
      reason: 'ACCESS_DENIED',
      errorCode: 'ACCESS_DENIED',
      result: 'FAILED',
    }),
    row('2/eu-west-1/s3-bucket', 'e', 'NOT_APPLICABLE', { reason: 'RESOURCE_GONE' }),
  ];

  it('aggregates per unit and reason, keeping only findings as rows', async () => {
    const r = await buildReport({ sweepId: 's', startedAt: 't', dryRun: false, units: [] }, stream(rows), [
      { unit: '3/us-east-1/s3-bucket', error: 'ACCESS_DENIED: no' },
    ]);
    expect(r.totals).toEqual({
      total: 5,
      compliant: 1,
      nonCompliant: 2,
      notApplicable: 1,
      errors: 1,
      fixed: 1,
      incomplete: 0,
      compliancePct: 25,
      compliancePctAfter: 50,
    });
    expect(r.groups.map((g) => [g.account, g.total, g.compliancePct])).toEqual([
      ['2', 2, 0],
      ['1', 3, 33.3],
    ]);
    expect(r.byReason).toEqual({ NOT_KMS: 1, WRONG_KEY: 1, ACCESS_DENIED: 1 });
    expect(r.findings.map((f) => f.id)).toEqual(['b', 'c<script>', 'd']);
  });

  it('renders escaped, well-formed HTML and Markdown with the counts', async () => {
    const r = await buildReport({ sweepId: 's<1>', startedAt: 't', dryRun: true, units: [] }, stream(rows), [
      { unit: 'u', error: '<b>' },
    ]);
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

  it('charts found vs after per reason, encryption apart from TLS, and says so when there is none', async () => {
    const r = await buildReport(
      { sweepId: 's', startedAt: 't', dryRun: false, units: [] },
      stream([
        ...rows,
        row('1/us-east-1/s3-tls', 't1', 'NON_COMPLIANT', { reason: 'NO_TLS', action: 'REMEDIATE', result: 'VERIFIED' }),
        row('1/us-east-1/s3-tls', 't2', 'NON_COMPLIANT', { reason: 'NO_TLS', action: 'REPORT' }),
      ]),
    );
    expect(r.reasons).toEqual([
      { kind: 'encryption', reason: 'NOT_KMS', found: 1, after: 0 },
      { kind: 'encryption', reason: 'WRONG_KEY', found: 1, after: 1 },
      { kind: 'error', reason: 'ACCESS_DENIED', found: 1, after: 1 },
      { kind: 'tls', reason: 'NO_TLS', found: 2, after: 1 },
    ]);
    const svg = reasonChart(r.reasons);
    expect(svg.match(/<rect class="found"/g)).toHaveLength(4);
    expect(svg.match(/<rect class="after"/g)).toHaveLength(4);
    expect(svg.indexOf('Encryption at rest')).toBeLessThan(svg.indexOf('Transport (TLS)'));
    expect(reasonChart([])).toContain('No findings');
  });

  it('nothing evaluated is not 100% compliant; not-applicable rows are not counted as compliant', async () => {
    const none = await buildReport({ sweepId: 's', startedAt: 't', dryRun: false, units: [] }, stream([]));
    expect(none.totals.compliancePct).toBeNull();
    expect(renderMarkdown(none)).toContain('Compliance n/a (nothing evaluated) as found');
    const onlyNa = await buildReport(
      { sweepId: 's', startedAt: 't', dryRun: false, units: [] },
      stream([row('1/us-east-1/s3-bucket', 'x', 'NOT_APPLICABLE')]),
    );
    expect(onlyNa.totals).toMatchObject({ notApplicable: 1, compliancePct: null });
  });

  it('names the mode, the policy and the dry run; says what an SSE-S3 bucket was found with; makes a listing error readable', async () => {
    const r = await buildReport(
      { sweepId: 's', startedAt: 't', dryRun: true, units: [], policy: 'policy.yaml', policyMode: 'report' },
      stream([row('1/us-east-1/s3-bucket', 'b', 'NON_COMPLIANT', { reason: 'NOT_KMS', action: 'REPORT' })]),
      [
        {
          unit: '1/us-east-1/redshift-tls',
          error:
            'AWS_UNAVAILABLE: redshift:DescribeClusters failed on the AWS side: @aws-sdk XML parse error: mismatched tags <html> and </title>.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response',
        },
      ],
    );
    const html = renderHtml(r);
    expect(html).toContain('Mode: per policy (default report). Policy: policy.yaml. Dry run: nothing was changed');
    expect(tableRows(html, 'findings')[0]?.[4]).toBe('SSE-S3 (AES256, no KMS key)');
    expect(r.unitErrors[0]?.error).toBe(
      'AWS_UNAVAILABLE: redshift:DescribeClusters failed on the AWS side: the endpoint answered with a web page, not an AWS response (operation not supported there, or a proxy in the way)',
    );
    expect(checkHtml(html)).toEqual([]);
  });
});

describe('progress', () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, stream: { isTTY, columns: 100, write: (s: string) => out.push(s) } };
  };

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
