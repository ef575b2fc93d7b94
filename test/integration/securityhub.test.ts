import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { AwsScope, ClientFactory } from '../../shared/aws/clients';
import { processEvent } from '../../shared/pipeline/process';
import { findingId } from '../../shared/securityhub/asff';
import { SecurityHubFindings } from '../../shared/securityhub/sink';
import { cloudTrailEvent, createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { ACCOUNT, emulatorClients, onlyRules, testDeps, testPolicy, useEmulator } from '../support/harness';

/**
 * Issue 18 part 1 on the emulator (moto 5.2.1 implements BatchImportFindings and GetFindings; GetFindings ignores
 * Filters, so the test picks our finding by Id). One FAILED finding for a drifted bucket; it stays FAILED when the
 * fix fails verification, turns PASSED/RESOLVED after a verified fix, and is ARCHIVED when the bucket is gone.
 */
const R = 'us-east-1';
const MEMBER = '210987654321';
const emu = useEmulator();
onlyRules('s3-bucket');
let clients: ClientFactory;

const findings = async (scope: AwsScope = { region: R }) =>
  (await clients.get(SecurityHubClient, scope).send(new GetFindingsCommand({}))).Findings ?? [];
const ref = (id: string, account = ACCOUNT) => ({ ref: { type: 's3-bucket' as const, account, region: R, id } });

beforeEach(async () => {
  await emu.current.reset();
  clients = emulatorClients(emu.current.endpoint);
  await createKey(clients, R, 'alias/data-platform');
});

describe('Security Hub findings on the emulator', () => {
  it('a drifted bucket: one FAILED finding; a fix that fails verification keeps it FAILED; a verified fix makes it PASSED/RESOLVED; gone = ARCHIVED', async () => {
    await createBucket(clients, R, 'drifted', { kind: 'sse-s3' });
    const run = async (mode: 'report' | 'remediate', id: string) => {
      const deps = testDeps(clients, { policy: testPolicy({ mode, securityHub: { enabled: true } }) });
      const sink = new SecurityHubFindings(deps);
      const result = await processEvent(s3Event('PutBucketEncryption', 'drifted', R, { id }), {
        ...deps,
        findings: sink,
      });
      expect(result.findingsError).toBeUndefined();
      return result.outcomes[0];
    };
    const id = findingId(ref('drifted'), 's3-at-rest-cmk');

    expect(await run('report', 'e1')).toMatchObject({ reason: 'NOT_KMS', action: 'REPORT' });
    let all = await findings();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      Id: id,
      AwsAccountId: ACCOUNT,
      GeneratorId: 'cmk-sentinel/s3-at-rest-cmk',
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
      Compliance: { Status: 'FAILED', StatusReasons: [{ ReasonCode: 'NOT_KMS' }] },
      ProductFields: { 'cmk-sentinel/securityHubControl': 'S3.17', 'cmk-sentinel/reason': 'NOT_KMS' },
      Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::drifted' }],
    });
    expect(all[0]?.Compliance?.RelatedRequirements).toEqual(
      expect.arrayContaining(['PCI DSS v4.0.1/3.5.1', 'NIST.800-53.r5/SC-28', 'PCI DSS v4.0.1/3.6']),
    );
    expect(all[0]?.ProductFields?.['cmk-sentinel/expectedKey']).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);

    // The fix is attempted but does not hold (the write lands as SSE-S3): the fresh re-read fails verification.
    const s3 = clients.get(S3Client, { region: R });
    s3.middlewareStack.add(
      (next, ctx) => async (args) => {
        if (ctx.commandName === 'PutBucketEncryptionCommand') {
          (args.input as { ServerSideEncryptionConfiguration: unknown }).ServerSideEncryptionConfiguration = {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          };
        }
        return next(args);
      },
      { step: 'initialize', name: 'swallow' },
    );
    // The rule's own read-back after the write catches it (s3-bucket: VERIFICATION_FAILED error, result FAILED).
    expect(await run('remediate', 'e2')).toMatchObject({
      action: 'REMEDIATE',
      result: 'FAILED',
      error: { code: 'VERIFICATION_FAILED' },
    });
    all = await findings();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ Id: id, Compliance: { Status: 'FAILED' }, Workflow: { Status: 'NEW' } });
    s3.middlewareStack.remove('swallow');

    expect(await run('remediate', 'e3')).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED' });
    all = await findings();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      Id: id,
      Compliance: { Status: 'PASSED' },
      Workflow: { Status: 'RESOLVED' },
      RecordState: 'ACTIVE',
    });

    await s3.send(new DeleteBucketCommand({ Bucket: 'drifted' }));
    await run('remediate', 'e4');
    all = await findings();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ Id: id, RecordState: 'ARCHIVED' });
  });

  it("a member account's finding is imported in that account, through the member role", async () => {
    const scope: AwsScope = { region: R, account: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/cmk-sentinel-member` };
    const kms = clients.get(KMSClient, scope);
    const key = await kms.send(new CreateKeyCommand({}));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: key.KeyMetadata?.KeyId }));
    await clients.get(S3Client, scope).send(new CreateBucketCommand({ Bucket: 'member-bucket' }));
    const deps = testDeps(clients, {
      homeAccount: ACCOUNT,
      policy: testPolicy({ mode: 'report', accounts: { ids: [MEMBER] }, securityHub: { enabled: true } }),
    });
    const event = cloudTrailEvent({
      source: 'aws.s3',
      eventSource: 's3.amazonaws.com',
      eventName: 'PutBucketEncryption',
      region: R,
      account: MEMBER,
      requestParameters: { bucketName: 'member-bucket' },
    });
    const result = await processEvent(event, { ...deps, findings: new SecurityHubFindings(deps) });
    expect(result.outcomes[0]).toMatchObject({
      ref: { account: MEMBER },
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
    });
    expect(await findings()).toHaveLength(0);
    const member = await findings(scope);
    expect(member).toHaveLength(1);
    expect(member[0]).toMatchObject({
      AwsAccountId: MEMBER,
      Id: findingId(ref('member-bucket', MEMBER), 's3-at-rest-cmk'),
      Compliance: { Status: 'FAILED' },
    });
  });

  it('a sweep-sized batch goes 100 findings per call', async () => {
    const deps = testDeps(clients, { policy: testPolicy({ securityHub: { enabled: true } }) });
    const hub = clients.get(SecurityHubClient, { region: R });
    const sizes: number[] = [];
    hub.middlewareStack.add(
      (next, ctx) => async (args) => {
        if (ctx.commandName === 'BatchImportFindingsCommand')
          sizes.push((args.input as { Findings: unknown[] }).Findings.length);
        return next(args);
      },
      { step: 'initialize', name: 'count' },
    );
    const sink = new SecurityHubFindings(deps);
    for (let i = 0; i < 250; i++)
      await sink.add({
        ref: { type: 's3-bucket', account: ACCOUNT, region: R, id: `b-${i}` },
        arn: `arn:aws:s3:::b-${i}`,
        status: 'NON_COMPLIANT',
        reason: 'UNENCRYPTED',
        action: 'REPORT',
        result: 'NOT_ATTEMPTED',
      });
    await sink.flush();
    expect(sizes).toEqual([100, 100, 50]);
    expect(await findings()).toHaveLength(100); // GetFindings pages at 100
  });
});
