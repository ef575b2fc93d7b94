import { sentInvalidOnPurpose } from '../../testbed/requests';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { ACCOUNT, useEmulator } from '../support/harness';

// Security Hub on the emulator: moto's BatchImportFindings/GetFindings with the checks and filters the extension
// adds (testbed/emulator/securityhub_ext.py): https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html,
// https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html, API_StringFilter.html.
const R = 'us-east-1';
const emu = useEmulator();
const hub = () => emu.clients().get(SecurityHubClient, { region: R });
beforeEach(async () => {
  await emu.current.reset();
});

const finding = (id: string, over: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding => ({
  SchemaVersion: '2018-10-08',
  Id: id,
  ProductArn: `arn:aws:securityhub:${R}:${ACCOUNT}:product/${ACCOUNT}/default`,
  GeneratorId: 'cmk-sentinel/s3-bucket',
  AwsAccountId: ACCOUNT,
  Types: ['Software and Configuration Checks/AWS Security Best Practices'],
  CreatedAt: '2026-12-01T09:00:00.000Z',
  UpdatedAt: '2026-12-01T09:00:00.000Z',
  Severity: { Label: 'HIGH' },
  Title: 'Bucket not on the regional CMK',
  Description: 'SSE-S3',
  Resources: [{ Type: 'AwsS3Bucket', Id: `arn:aws:s3:::${id}` }],
  ...over,
});

describe('Security Hub findings on the emulator', () => {
  it("imports ASFF findings with Security Hub's defaults and filters them by field (OR within a field, AND across)", async () => {
    const out = await hub().send(
      new BatchImportFindingsCommand({
        Findings: [
          finding('a'),
          finding('b', { Severity: { Label: 'LOW' } }),
          finding('c', { Resources: [{ Type: 'AwsRdsDbInstance', Id: 'arn:aws:rds:us-east-1:123456789012:db:c' }] }),
        ],
      }),
    );
    expect(out).toMatchObject({ SuccessCount: 3, FailedCount: 0 });
    const all = (await hub().send(new GetFindingsCommand({}))).Findings ?? [];
    expect(all.map((f) => [f.Id, f.RecordState, f.Workflow?.Status])).toEqual([
      ['a', 'ACTIVE', 'NEW'],
      ['b', 'ACTIVE', 'NEW'],
      ['c', 'ACTIVE', 'NEW'],
    ]);
    const ids = async (Filters: object) =>
      ((await hub().send(new GetFindingsCommand({ Filters }))).Findings ?? []).map((f) => f.Id);
    expect(await ids({ SeverityLabel: [{ Value: 'HIGH', Comparison: 'EQUALS' }] })).toEqual(['a', 'c']);
    expect(
      await ids({
        SeverityLabel: [{ Value: 'HIGH', Comparison: 'EQUALS' }],
        ResourceType: [{ Value: 'AwsS3Bucket', Comparison: 'EQUALS' }],
      }),
    ).toEqual(['a']);
    expect(
      await ids({
        Id: [
          { Value: 'a', Comparison: 'EQUALS' },
          { Value: 'b', Comparison: 'EQUALS' },
        ],
      }),
    ).toEqual(['a', 'b']);
    expect(
      await ids({
        ResourceId: [{ Value: 'arn:aws:s3:::', Comparison: 'PREFIX' }],
        Id: [{ Value: 'b', Comparison: 'NOT_EQUALS' }],
      }),
    ).toEqual(['a']);
    // Importing the same Id again updates that finding.
    await hub().send(
      new BatchImportFindingsCommand({
        Findings: [finding('a', { Workflow: { Status: 'RESOLVED' }, UpdatedAt: '2026-12-01T10:00:00.000Z' })],
      }),
    );
    expect(await ids({ WorkflowStatus: [{ Value: 'RESOLVED', Comparison: 'EQUALS' }] })).toEqual(['a']);
  });

  it('reports findings missing a required ASFF attribute as failed, imports the rest; refuses an empty or >100 batch', async () => {
    const noTitle: Partial<AwsSecurityFinding> = finding('no-title');
    delete noTitle.Title;
    const out = await sentInvalidOnPurpose(() =>
      hub().send(
        new BatchImportFindingsCommand({
          Findings: [finding('ok'), noTitle as AwsSecurityFinding, finding('no-sev', { Severity: {} })],
        }),
      ),
    );
    expect(out).toMatchObject({ SuccessCount: 1, FailedCount: 2 });
    expect(out.FailedFindings?.map((f) => [f.Id, f.ErrorCode])).toEqual([
      ['no-title', 'InvalidInput'],
      ['no-sev', 'InvalidInput'],
    ]);
    expect(out.FailedFindings?.[0]?.ErrorMessage).toContain('Title');
    expect(((await hub().send(new GetFindingsCommand({}))).Findings ?? []).map((f) => f.Id)).toEqual(['ok']);
    await expect(
      sentInvalidOnPurpose(() => hub().send(new BatchImportFindingsCommand({ Findings: [] }))),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
    await expect(
      sentInvalidOnPurpose(() =>
        hub().send(
          new BatchImportFindingsCommand({ Findings: Array.from({ length: 101 }, (_, i) => finding(`f${i}`)) }),
        ),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
  });

  it('pages with MaxResults/NextToken and refuses MaxResults above 100', async () => {
    await hub().send(
      new BatchImportFindingsCommand({ Findings: Array.from({ length: 5 }, (_, i) => finding(`p${i}`)) }),
    );
    const first = await hub().send(new GetFindingsCommand({ MaxResults: 2 }));
    expect(first.Findings?.map((f) => f.Id)).toEqual(['p0', 'p1']);
    const rest = await hub().send(new GetFindingsCommand({ MaxResults: 10, NextToken: first.NextToken }));
    expect(rest.Findings?.map((f) => f.Id)).toEqual(['p2', 'p3', 'p4']);
    expect(rest.NextToken).toBeUndefined();
    await expect(
      sentInvalidOnPurpose(() => hub().send(new GetFindingsCommand({ MaxResults: 101 }))),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
  });
});
