import type { KeyInfo, ObservedKey } from '../../../shared/kms/key-resolver';
import {
  evaluateRdsReadReplica,
  replacementId,
  replacementVerified,
  type RdsReadReplicaState,
} from '../../../shared/rules/rds-read-replica/evaluate';
import {
  evaluateRedshiftSnapshotCopy,
  grantNameFor,
  type ClusterCopy,
} from '../../../shared/rules/redshift-snapshot-copy/evaluate';
import {
  evaluateS3Replication,
  patchReplication,
  replicationProblems,
  type S3ReplicationState,
  withoutOwnedFields,
} from '../../../shared/rules/s3-replication/evaluate';
import { testPolicy } from '../../support/harness';

/** The pure evaluates of the cross-region rules, over every state and every way a key is named. */
const E = 'us-east-1';
const W = 'eu-west-1';
const key = (region: string, id: string, extra: Partial<KeyInfo> = {}): KeyInfo => ({
  arn: `arn:aws:kms:${region}:123456789012:key/${id}`,
  keyId: id,
  region,
  account: '123456789012',
  managedBy: 'CUSTOMER',
  ...extra,
});
const cmkW = key(W, 'west-cmk');
const cmkE = key(E, 'east-cmk');
const ctx = { region: W, cmk: cmkW, policy: testPolicy() };
// The forms a resource may name the destination CMK by; all resolve to the same key.
const rightForms: ObservedKey[] = [
  cmkW.arn,
  'west-cmk',
  'alias/data-platform',
  `arn:aws:kms:${W}:123456789012:alias/data-platform`,
].map((ref) => ({ ref, info: cmkW }));
const wrong: [string, ObservedKey | undefined, string][] = [
  ["the source region's CMK", { ref: cmkE.arn, info: cmkE }, 'WRONG_REGION_KEY'],
  ['another key of R', { ref: 'other', info: key(W, 'other') }, 'WRONG_KEY'],
  ['an MRK primary of another region', { ref: key(E, 'mrk-1').arn, info: key(E, 'mrk-1') }, 'WRONG_REGION_KEY'],
  [
    'a key of another account',
    {
      ref: 'x',
      info: key(W, 'west-cmk', { account: '999988887777', arn: `arn:aws:kms:${W}:999988887777:key/west-cmk` }),
    },
    'WRONG_KEY',
  ],
  ['alias/aws/s3', { ref: 'alias/aws/s3', info: key(W, 'alias/aws/s3', { managedBy: 'AWS' }) }, 'AWS_MANAGED_KEY'],
  ['a key that does not exist', { ref: 'gone' }, 'UNKNOWN_KEY'],
];

const s3State = (
  observedKey: ObservedKey | undefined,
  sse = true,
  extra: Partial<S3ReplicationState> = {},
): S3ReplicationState => ({
  mode: 'source',
  bucket: 'src',
  region: E,
  ...extra,
  sources: [
    {
      bucket: 'src',
      region: E,
      config: {
        Role: 'r',
        Rules: [
          {
            ID: 'a',
            Status: 'Enabled',
            Priority: 1,
            Filter: { Prefix: 'p/' },
            Destination: {
              Bucket: 'arn:aws:s3:::dst',
              StorageClass: 'GLACIER',
              ...(observedKey ? { EncryptionConfiguration: { ReplicaKmsKeyID: observedKey.ref } } : {}),
            },
          },
        ],
      },
      rules: [
        {
          index: 0,
          id: 'a',
          enabled: true,
          destBucket: 'dst',
          destRegion: W,
          sseKmsObjects: sse,
          replicaKeyRef: observedKey?.ref,
          observedKey,
          expectedKey: cmkW,
        },
      ],
    },
  ],
});

describe('s3-replication evaluate', () => {
  it.each(rightForms.map((k) => [k.ref, k]))('compliant with the destination CMK named as %s', (_r, k) => {
    expect(evaluateS3Replication(s3State(k), ctx)).toMatchObject({ status: 'COMPLIANT', expectedKey: cmkW.arn });
  });
  it.each(wrong)('%s → %s', (_l, k, reason) => {
    expect(evaluateS3Replication(s3State(k), ctx)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason,
      expectedKey: cmkW.arn,
    });
  });
  it('no replica key → NO_REPLICA_KEY; SSE-KMS objects off → SSE_KMS_OBJECTS_NOT_REPLICATED', () => {
    expect(evaluateS3Replication(s3State(undefined), ctx).reason).toBe('NO_REPLICA_KEY');
    expect(evaluateS3Replication(s3State(rightForms[0], false), ctx)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'SSE_KMS_OBJECTS_NOT_REPLICATED',
    });
  });
  it('disabled rules and unknown destinations are not judged; no rules at all is NOT_APPLICABLE', () => {
    const s = s3State({ ref: cmkE.arn, info: cmkE });
    (s.sources[0]?.rules[0] as { enabled: boolean }).enabled = false;
    expect(evaluateS3Replication(s, ctx).status).toBe('NOT_APPLICABLE');
    const t = s3State({ ref: cmkE.arn, info: cmkE });
    (t.sources[0]?.rules[0] as { destRegion?: string }).destRegion = undefined;
    expect(evaluateS3Replication(t, ctx).status).toBe('NOT_APPLICABLE');
    expect(evaluateS3Replication({ mode: 'source', bucket: 'b', region: E, sources: [] }, ctx).status).toBe(
      'NOT_APPLICABLE',
    );
  });
  it('patch rewrites only the owned fields; withoutOwnedFields of before and after are equal', () => {
    const s = s3State({ ref: cmkE.arn, info: cmkE }, false);
    const config = s.sources[0]?.config as NonNullable<S3ReplicationState['sources'][number]['config']>;
    const patched = patchReplication(config, replicationProblems(s));
    expect(patched.Rules?.[0]?.Destination).toEqual({
      Bucket: 'arn:aws:s3:::dst',
      StorageClass: 'GLACIER',
      EncryptionConfiguration: { ReplicaKmsKeyID: cmkW.arn },
    });
    expect(patched.Rules?.[0]?.SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });
    expect(withoutOwnedFields(patched)).toEqual(withoutOwnedFields(config));
    expect(config.Rules?.[0]?.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID).toBe(cmkE.arn);
  });
});

const replica = (
  observedKey: ObservedKey | undefined,
  extra: Partial<RdsReadReplicaState> = {},
): RdsReadReplicaState => ({
  id: 'orders-eu',
  arn: 'arn',
  region: W,
  sourceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders',
  sourceRegion: E,
  encrypted: observedKey !== undefined,
  observedKey,
  tags: {},
  ...extra,
});

describe('rds-read-replica evaluate', () => {
  it.each(rightForms.map((k) => [k.ref, k]))('compliant with the destination CMK named as %s', (_r, k) => {
    expect(evaluateRdsReadReplica(replica(k), ctx).status).toBe('COMPLIANT');
  });
  it.each(wrong)('%s → %s', (_l, k, reason) => {
    expect(evaluateRdsReadReplica(replica(k), ctx)).toMatchObject({ status: 'NON_COMPLIANT', reason });
  });
  it('unencrypted → UNENCRYPTED; same-region or no source → NOT_APPLICABLE', () => {
    expect(evaluateRdsReadReplica(replica(undefined), ctx).reason).toBe('UNENCRYPTED');
    expect(evaluateRdsReadReplica(replica(rightForms[0], { sourceRegion: W }), ctx).status).toBe('NOT_APPLICABLE');
    expect(
      evaluateRdsReadReplica(replica(rightForms[0], { sourceRegion: undefined, sourceArn: undefined }), ctx).status,
    ).toBe('NOT_APPLICABLE');
  });
  it('the replacement counts only when available and on the destination CMK; its name is deterministic and short enough', () => {
    const ok = { id: 'r', status: 'available', encrypted: true, observedKey: rightForms[0] };
    expect(replacementVerified(replica(undefined, { replacement: ok }), ctx)).toBe(true);
    expect(replacementVerified(replica(undefined, { replacement: { ...ok, status: 'creating' } }), ctx)).toBe(false);
    expect(
      replacementVerified(
        replica(undefined, { replacement: { ...ok, observedKey: { ref: cmkE.arn, info: cmkE } } }),
        ctx,
      ),
    ).toBe(false);
    expect(replacementId('a'.repeat(63))).toHaveLength(63);
    expect(replacementId('orders-eu')).toBe(replacementId('orders-eu'));
  });
});

const copy = (grant: ClusterCopy['grant'], extra: Partial<ClusterCopy> = {}): ClusterCopy => ({
  cluster: 'warehouse',
  region: E,
  encrypted: true,
  destRegion: W,
  grantName: 'g',
  grant,
  expectedKey: cmkW,
  ...extra,
});
const rsState = (c: ClusterCopy) => ({ mode: 'cluster' as const, id: 'warehouse', region: E, copies: [c] });

describe('redshift-snapshot-copy evaluate', () => {
  it.each(rightForms.map((k) => [k.ref, k]))('compliant with a grant on the destination CMK named as %s', (_r, k) => {
    expect(evaluateRedshiftSnapshotCopy(rsState(copy({ keyRef: k.ref, observedKey: k })), ctx).status).toBe(
      'COMPLIANT',
    );
  });
  it.each(wrong.filter(([, k]) => k !== undefined))('grant on %s → %s', (_l, k, reason) => {
    expect(evaluateRedshiftSnapshotCopy(rsState(copy({ keyRef: k?.ref, observedKey: k })), ctx)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason,
    });
  });
  it('missing grant, no grant name, unencrypted cluster, no copy', () => {
    expect(evaluateRedshiftSnapshotCopy(rsState(copy('MISSING')), ctx).reason).toBe('COPY_GRANT_MISSING');
    expect(evaluateRedshiftSnapshotCopy(rsState(copy(undefined, { grantName: undefined })), ctx).reason).toBe(
      'NO_COPY_GRANT',
    );
    expect(evaluateRedshiftSnapshotCopy(rsState(copy('MISSING', { encrypted: false })), ctx).status).toBe(
      'NOT_APPLICABLE',
    );
    expect(evaluateRedshiftSnapshotCopy({ mode: 'cluster', id: 'w', region: E, copies: [] }, ctx).status).toBe(
      'NOT_APPLICABLE',
    );
  });
  it('the grant name is deterministic per key and a valid Redshift name', () => {
    expect(grantNameFor(cmkW)).toBe('cmk-sentinel-west-cmk');
    expect(grantNameFor(key(W, 'MRK-ABC_1'))).toMatch(/^[a-z][a-z0-9-]{0,62}$/);
  });
});
