import {
  DeleteBucketTaggingCommand,
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  HeadObjectCommand,
  CopyObjectCommand,
  GetObjectAclCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  S3Client,
  UpdateObjectEncryptionCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { KeyResolver } from '../../../../shared/kms/key-resolver';
import { parsePolicy } from '../../../../shared/policy/policy';
import type { ActionVerdict, Finding, RuleContext } from '../../../../shared/rules/contract';
import type { S3BucketState } from '../../../../shared/rules/s3-bucket/evaluate';
import { s3BucketRule } from '../../../../shared/rules/s3-bucket/index';
import { offlineClients } from '../../../support/harness';

// Request shapes and call order, and a re-read that lost a field (a fault): mocks. The re-key itself runs on the
// emulator in s3-objects.test.ts.
const s3 = mockClient(S3Client);
const R = 'eu-west-1';
const CMK = `arn:aws:kms:${R}:111122223333:key/cmk`;
const info = { arn: CMK, keyId: 'cmk', region: R, account: '111122223333', managedBy: 'CUSTOMER' };
const ctx = (): RuleContext => ({
  clients: offlineClients(),
  keys: {
    regionalCmk: async () => info,
    observe: async (ref: string) => ({ ref, info: ref === CMK ? info : undefined }),
  } as unknown as KeyResolver,
  policy: parsePolicy({ cmk: { alias: 'alias/data-platform' } }),
  scope: { region: R },
});
const state = (over: Partial<S3BucketState>): S3BucketState => ({
  bucket: 'b',
  region: R,
  account: '111122223333',
  ...over,
});
const finding = (over: Partial<Finding> = {}): Finding => ({ status: 'NON_COMPLIANT', reason: 'WRONG_KEY', ...over });
/** The data outcome a remediation carries (DONE, or PENDING while a Batch job runs). */
const dataOf = (v: ActionVerdict) => (v.kind === 'DONE' || v.kind === 'PENDING' ? v.data : undefined);
const readBack = (rule: Record<string, unknown>) =>
  s3.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [rule] } });

beforeEach(() => {
  s3.reset();
  s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'owner', Value: 'team' }] });
  s3.on(ListObjectVersionsCommand).resolves({ Versions: [] });
});

describe('s3-bucket remediate', () => {
  it('writes back DSSE-KMS (no bucket key) and BlockedEncryptionTypes as read, and verifies them on a re-read', async () => {
    const dsse = {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: CMK },
      BucketKeyEnabled: false,
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    };
    readBack(dsse);
    const res = await s3BucketRule.remediate(
      state({
        encryption: { algorithm: 'aws:kms:dsse', keyRef: 'other', bucketKey: false, blockedEncryptionTypes: ['SSE-C'] },
      }),
      finding(),
      ctx(),
    );
    expect(
      s3.commandCalls(PutBucketEncryptionCommand)[0]?.args[0].input.ServerSideEncryptionConfiguration?.Rules,
    ).toEqual([dsse]);
    expect(res).toMatchObject({ changed: true, data: { rekeyed: 0 } });
    expect(res.detail).toContain('blocked types SSE-C kept');
  });

  it('a re-read that lost BlockedEncryptionTypes fails verification, naming the field', async () => {
    readBack({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: CMK },
      BucketKeyEnabled: true,
    });
    await expect(
      s3BucketRule.remediate(
        state({ encryption: { algorithm: 'AES256', bucketKey: false, blockedEncryptionTypes: ['SSE-C'] } }),
        finding({ reason: 'NOT_KMS' }),
        ctx(),
      ),
    ).rejects.toMatchObject({
      code: 'VERIFICATION_FAILED',
      message: expect.stringContaining('blocked encryption types [], expected [SSE-C]'),
    });
  });

  it('marks the bucket before object work and unmarks it when every version is on the CMK; other tags kept', async () => {
    readBack({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: CMK },
      BucketKeyEnabled: true,
    });
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'k', VersionId: 'v1', IsLatest: true, Size: 1 }] });
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    s3.on(HeadObjectCommand).resolves({ ServerSideEncryption: 'AES256', ETag: '"e"' });
    s3.on(UpdateObjectEncryptionCommand).resolves({});
    s3.on(GetBucketTaggingCommand)
      .resolvesOnce({ TagSet: [{ Key: 'owner', Value: 'team' }] })
      .resolves({
        TagSet: [
          { Key: 'owner', Value: 'team' },
          { Key: 'cmk-sentinel:objects', Value: 'pending' },
        ],
      });
    const res = await s3BucketRule.remediate(
      state({ encryption: { algorithm: 'AES256', bucketKey: false } }),
      finding({ reason: 'NOT_KMS' }),
      ctx(),
    );
    expect(res).toMatchObject({ changed: true, data: { rekeyed: 1, updated: 1 } });
    expect(s3.commandCalls(UpdateObjectEncryptionCommand)[0]?.args[0].input).toEqual({
      Bucket: 'b',
      Key: 'k',
      VersionId: 'v1',
      ObjectEncryption: { SSEKMS: { KMSKeyArn: CMK, BucketKeyEnabled: true } },
    });
    const tagWrites = s3.commandCalls(PutBucketTaggingCommand).map((c) => c.args[0].input.Tagging?.TagSet);
    expect(tagWrites).toEqual([
      [
        { Key: 'owner', Value: 'team' },
        { Key: 'cmk-sentinel:objects', Value: 'pending' },
      ],
      [{ Key: 'owner', Value: 'team' }],
    ]);
    expect(s3.commandCalls(DeleteBucketTaggingCommand)).toHaveLength(0);
    // The marker went on before the first object call.
    const order = s3.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
    expect(order.indexOf('PutBucketTaggingCommand')).toBeLessThan(order.indexOf('UpdateObjectEncryptionCommand'));
  });

  it('objects only (the default already right): no PutBucketEncryption, and a marker with failures stays for the next run', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'k', VersionId: 'v1', IsLatest: true, Size: 1 }] });
    s3.on(GetBucketVersioningCommand).resolves({});
    s3.on(HeadObjectCommand).resolves({ ServerSideEncryption: 'AES256' });
    s3.on(UpdateObjectEncryptionCommand).rejects(
      Object.assign(
        new Error(
          'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: s3:UpdateObjectEncryption on resource: "arn:aws:s3:::b/k" with an explicit deny in a resource-based policy',
        ),
        { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
      ),
    );
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'cmk-sentinel:objects', Value: 'pending' }] });
    const res = await s3BucketRule.remediate(
      state({ encryption: { algorithm: 'aws:kms', keyRef: CMK, bucketKey: true }, objectsPending: 'pending' }),
      finding({ reason: 'OBJECTS_NOT_ON_CMK', dataOnly: true }),
      ctx(),
    );
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(0);
    expect(dataOf(res)?.failed[0]).toMatchObject({ item: 'k?versionId=v1', code: 'ACCESS_DENIED' });
    // The real cause: an explicit Deny in a resource-based policy, not a permission to grant.
    expect(dataOf(res)?.failed[0]?.message).toContain('explicit Deny in a resource-based policy');
    expect(dataOf(res)?.failed[0]?.message).not.toContain('grant s3:UpdateObjectEncryption');
    expect(s3.commandCalls(PutBucketTaggingCommand).map((c) => c.args[0].input.Tagging?.TagSet)).toEqual([
      [{ Key: 'cmk-sentinel:objects', Value: 'failed=1 skipped=0' }],
    ]);
  });

  it('a listing refused after the default was fixed leaves the bucket marked pending: the next run comes back', async () => {
    readBack({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: CMK },
      BucketKeyEnabled: true,
    });
    s3.on(ListObjectVersionsCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    await expect(
      s3BucketRule.remediate(
        state({ encryption: { algorithm: 'AES256', bucketKey: false } }),
        finding({ reason: 'NOT_KMS' }),
        ctx(),
      ),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED', details: { missingPermission: 's3:ListBucketVersions' } });
    expect(s3.commandCalls(PutBucketTaggingCommand).map((c) => c.args[0].input.Tagging?.TagSet)).toEqual([
      [
        { Key: 'owner', Value: 'team' },
        { Key: 'cmk-sentinel:objects', Value: 'pending' },
      ],
    ]);
  });

  it('in a DSSE-KMS bucket an unencrypted object is copied as DSSE-KMS (no bucket key); SSE-S3 ones go to SSE-KMS, the only target UpdateObjectEncryption has', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: 'plain', VersionId: 'null', IsLatest: true, Size: 1 },
        { Key: 's3', VersionId: 'null', IsLatest: true, Size: 1 },
      ],
    });
    s3.on(GetBucketVersioningCommand).resolves({});
    s3.on(HeadObjectCommand, { Key: 'plain' }).resolves({ ETag: '"e"' });
    s3.on(HeadObjectCommand, { Key: 's3' }).resolves({ ServerSideEncryption: 'AES256', ETag: '"f"' });
    s3.on(GetObjectAclCommand).resolves({
      Owner: { ID: 'me' },
      Grants: [{ Grantee: { ID: 'me', Type: 'CanonicalUser' }, Permission: 'FULL_CONTROL' }],
    });
    s3.on(CopyObjectCommand).resolves({});
    s3.on(UpdateObjectEncryptionCommand).resolves({});
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'cmk-sentinel:objects', Value: 'pending' }] });
    const res = await s3BucketRule.remediate(
      state({ encryption: { algorithm: 'aws:kms:dsse', keyRef: CMK, bucketKey: false }, objectsPending: 'pending' }),
      finding({ reason: 'OBJECTS_NOT_ON_CMK', dataOnly: true }),
      ctx(),
    );
    expect(dataOf(res)).toMatchObject({ copied: 1, updated: 1, failedCount: 0 });
    const copy = s3.commandCalls(CopyObjectCommand)[0]?.args[0].input;
    expect(copy).toMatchObject({
      ServerSideEncryption: 'aws:kms:dsse',
      SSEKMSKeyId: CMK,
      CopySourceIfMatch: '"e"',
      MetadataDirective: 'COPY',
      TaggingDirective: 'COPY',
    });
    expect(copy?.BucketKeyEnabled).toBeUndefined();
    // Only the owner's grant: nothing to give back, no grant headers.
    expect(copy?.GrantFullControl).toBeUndefined();
  });
});
