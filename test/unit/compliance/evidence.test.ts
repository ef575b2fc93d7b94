import type { ResultRow } from '../../../shared/backfill/store';
import {
  frameworkSummaries,
  renderComplianceMarkdown,
  renderCsv,
  renderOcsf,
} from '../../../shared/compliance/evidence';
import { parsePolicy } from '../../../shared/policy/policy';

const row = (id: string, over: Partial<ResultRow>): ResultRow => ({
  unit: '123456789012/us-east-1/s3-bucket',
  id,
  arn: `arn:aws:s3:::${id}`,
  status: 'NON_COMPLIANT',
  reason: 'NOT_KMS',
  action: 'REPORT',
  result: 'NOT_ATTEMPTED',
  at: '2026-12-01T10:00:00.000Z',
  ...over,
});
const ROWS: ResultRow[] = [
  row('ok', { status: 'COMPLIANT', reason: undefined, action: 'NONE' }),
  row('fixed', { action: 'REMEDIATE', result: 'VERIFIED' }),
  row('open', { reason: 'WRONG_REGION_KEY', detail: '=HYPERLINK("x"), "quoted"' }),
  row('waived', {
    action: 'SKIP_EXEMPT',
    waiver: { status: 'WAIVED', id: 'W-1', expires: '2026-12-31', daysLeft: 31 },
  }),
  row('broken', { status: 'ERROR', reason: 'ACCESS_DENIED', action: 'NONE', result: 'FAILED' }),
];

describe('sweep evidence', () => {
  it('summarises per framework and control: in scope, compliant (incl. verified fixes), waived, failing', () => {
    const [pci] = frameworkSummaries(ROWS, 'pci-dss-4');
    expect(pci).toMatchObject({ framework: 'pci-dss-4', inScope: 4, compliant: 2, waived: 1, failing: 1 });
    expect(pci?.controls.find((c) => c.control === '3.5.1')).toMatchObject({
      checks: expect.arrayContaining(['rds-at-rest-cmk', 's3-at-rest-cmk', 'emr-at-rest-cmk']),
      inScope: 4,
      compliant: 2,
      waived: 1,
      failing: 1,
    });
    // The project-defined own-region check (PCI 3.6 / 3.7): a compliant bucket passes it too.
    expect(pci?.controls.find((c) => c.control === '3.6')).toMatchObject({
      checks: ['own-region-cmk', 'replica-key'],
      inScope: 4,
      compliant: 2,
      waived: 1,
      failing: 1,
    });
    expect(frameworkSummaries(ROWS).map((s) => s.framework)).toEqual([
      'nist-800-53-r5',
      'pci-dss-4',
      'cis-aws-7',
      'hipaa',
      'soc2',
      'iso-27001-2022',
    ]);
  });

  it("CSV: one line per row, quoted per RFC 4180, formulas defused, the framework's controls in their own column", () => {
    const csv = renderCsv(ROWS, 'pci-dss-4');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toContain(',pci-dss-4,');
    expect(lines[3]).toContain(`"'=HYPERLINK(""x""), ""quoted"""`);
    expect(lines[3]).toContain('3.5.1 3.6 3.7');
    expect(lines[4]).toContain('WAIVED W-1,2026-12-31,31');
  });

  it('OCSF: Compliance Findings (class 2003) as JSON Lines, status from the same judgement as Security Hub', () => {
    const lines = renderOcsf(ROWS, new Date('2026-12-01T11:00:00Z'))
      .trimEnd()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            class_uid: number;
            category_uid: number;
            type_uid: number;
            compliance: { status: string };
          },
      );
    expect(lines.every((l) => l.class_uid === 2003 && l.category_uid === 2 && l.type_uid === 200302)).toBe(true);
    const by = (id: string) => lines.filter((l) => JSON.stringify(l).includes(`arn:aws:s3:::${id}"`));
    expect(by('fixed').map((l) => l.compliance.status)).toEqual(['PASSED']);
    expect(by('open')[0]).toMatchObject({
      compliance: { status: 'FAILED', status_id: 3, control: 'S3.17' },
      status: 'New',
      cloud: { account: { uid: '123456789012' } },
    });
    expect(by('waived')[0]).toMatchObject({ status: 'Suppressed', status_id: 3 });
    expect(by('broken')).toEqual([]);
  });

  it('the Markdown summary lists the waivers with their days left', () => {
    const policy = parsePolicy({
      cmk: { alias: 'alias/x' },
      waivers: [
        {
          id: 'W-1',
          resources: ['arn:aws:s3:::waived'],
          checks: ['*'],
          reason: 'r',
          owner: 'o@x',
          approval: 'CHG-9',
          approvedOn: '2026-06-01',
          expires: '2026-12-31',
        },
      ],
    });
    const md = renderComplianceMarkdown(
      frameworkSummaries(ROWS, 'pci-dss-4'),
      policy,
      new Date('2026-12-01T10:00:00Z'),
    );
    expect(md).toContain('## PCI DSS v4.0.1 (pci-dss-4)');
    expect(md).toContain('4 resources in scope: 2 compliant, 1 waived, 1 failing.');
    expect(md).toMatch(/\| W-1 \| ACTIVE \| 2026-12-31 \| 31 \| o@x \| CHG-9 \|/);
  });
});
