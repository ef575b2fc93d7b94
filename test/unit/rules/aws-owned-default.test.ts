import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateTagsCommand,
  DescribeClustersCommand,
  ModifyClusterCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudTrailEvent } from '../../../testbed/estates/estate';
import type { KeyInfo } from '../../../shared/kms/key-resolver';
import { type EventResult, processEvent } from '../../../shared/pipeline/process';
import { evaluateRdsDatabase, type RdsDatabaseState } from '../../../shared/rules/rds-database/evaluate';
import {
  evaluateRedshiftCluster,
  REKEY_REQUESTED_TAG,
  type RedshiftClusterState,
} from '../../../shared/rules/redshift-cluster/evaluate';
import type { WorkflowStarter } from '../../../shared/workflows/contract';
import { offlineClients, testDeps, testPolicy } from '../../support/harness';

/**
 * Default encryption with an AWS-owned key (RDS API reference, DBCluster.StorageEncrypted: "If the DB cluster is
 * encrypted with an Amazon Web Services owned key, this value is false and StorageEncryptionType is sse-rds";
 * Aurora User Guide: clusters created since 2026-02-18 are encrypted by default with an AWS owned key. Redshift
 * CreateCluster Encrypted: "Default: true"; with no KMS key named, an AWS-owned key). Such resources are judged
 * AWS_OWNED_KEY (not the CMK) and re-encrypted — never UNENCRYPTED, KEY_NOT_REPORTED forever, or an error.
 */
const R = 'us-east-1';
const ACCOUNT = '123456789012';
const CMK: KeyInfo = {
  arn: `arn:aws:kms:${R}:${ACCOUNT}:key/cmk-1`,
  keyId: 'cmk-1',
  region: R,
  account: ACCOUNT,
  managedBy: 'CUSTOMER',
};
const ctx = { region: R, cmk: CMK, policy: testPolicy() };
const OWNED = 'arn:aws:kms:us-east-1:999988887777:key/aws-owned-1';

describe('AWS-owned default encryption: pure verdicts', () => {
  const db = (over: Partial<RdsDatabaseState>): RdsDatabaseState => ({
    kind: 'cluster',
    id: 'aurora',
    arn: `arn:aws:rds:${R}:${ACCOUNT}:cluster:aurora`,
    region: R,
    account: ACCOUNT,
    status: 'available',
    storageEncrypted: false,
    tags: {},
    config: { securityGroupIds: [] },
    ...over,
  });
  it('Aurora sse-rds (StorageEncrypted false) is AWS_OWNED_KEY, not UNENCRYPTED; none is still UNENCRYPTED', () => {
    expect(evaluateRdsDatabase(db({ encryptionType: 'sse-rds' }), ctx)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'AWS_OWNED_KEY',
      detail: expect.stringMatching(/AWS-owned key \(StorageEncryptionType sse-rds/),
    });
    expect(evaluateRdsDatabase(db({ encryptionType: 'none' }), ctx).reason).toBe('UNENCRYPTED');
    expect(
      evaluateRdsDatabase(
        db({
          storageEncrypted: true,
          encryptionType: 'sse-kms',
          keyRef: OWNED,
          observedKey: { ref: OWNED, foreignAccount: '999988887777' },
        }),
        ctx,
      ),
    ).toMatchObject({
      reason: 'AWS_OWNED_KEY',
      detail: expect.stringMatching(/account 999988887777, which this account may not describe/),
    });
  });

  const cluster = (over: Partial<RedshiftClusterState>): RedshiftClusterState => ({
    id: 'dw',
    arn: `arn:aws:redshift:${R}:${ACCOUNT}:cluster:dw`,
    region: R,
    status: 'available',
    encrypted: true,
    encryptionPending: false,
    publiclyAccessible: false,
    tags: {},
    ...over,
  });
  it('Redshift encrypted with no KmsKeyId: AWS_OWNED_KEY; after our re-key (tag) KEY_NOT_REPORTED; a refused ARN: AWS_OWNED_KEY', () => {
    expect(evaluateRedshiftCluster(cluster({}), ctx)).toMatchObject({
      reason: 'AWS_OWNED_KEY',
      detail: expect.stringMatching(/default AWS-owned key/),
    });
    expect(evaluateRedshiftCluster(cluster({ tags: { [REKEY_REQUESTED_TAG]: CMK.arn } }), ctx).reason).toBe(
      'KEY_NOT_REPORTED',
    );
    expect(
      evaluateRedshiftCluster(
        cluster({ keyRef: OWNED, observedKey: { ref: OWNED, foreignAccount: '999988887777' } }),
        ctx,
      ).reason,
    ).toBe('AWS_OWNED_KEY');
  });
});

describe('AWS-owned default encryption through the pipeline (SDK mock: moto has no sse-rds and describes every key)', () => {
  const rds = mockClient(RDSClient);
  const redshift = mockClient(RedshiftClient);
  const kms = mockClient(KMSClient);
  const clients = offlineClients();
  const started: { name: string; input: Record<string, unknown> }[] = [];
  const workflows: WorkflowStarter = {
    start: async (name, input, executionName) => {
      started.push({ name, input });
      return { started: true, executionId: executionName };
    },
  };

  beforeEach(() => {
    started.length = 0;
    kms
      .on(DescribeKeyCommand, { KeyId: 'alias/data-platform' })
      .resolves({ KeyMetadata: { Arn: CMK.arn, KeyId: 'cmk-1', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kms.on(DescribeKeyCommand, { KeyId: OWNED }).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
  });
  afterEach(() => {
    rds.reset();
    redshift.reset();
    kms.reset();
  });
  afterAll(() => {
    rds.restore();
    redshift.restore();
    kms.restore();
  });

  const outcome = (r: EventResult, type: string) => r.outcomes.find((o) => o.ref.type === type);

  it('a new Aurora cluster on the AWS-owned default key gets the re-encryption workflow', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'aurora',
          DBClusterArn: `arn:aws:rds:${R}:${ACCOUNT}:cluster:aurora`,
          Status: 'available',
          StorageEncrypted: false,
          StorageEncryptionType: 'sse-rds',
          Engine: 'aurora-postgresql',
          TagList: [],
        },
      ],
    });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    const event = cloudTrailEvent({
      source: 'aws.rds',
      eventSource: 'rds.amazonaws.com',
      eventName: 'CreateDBCluster',
      region: R,
      requestParameters: { dBClusterIdentifier: 'aurora', engine: 'aurora-postgresql' },
    });
    const out = outcome(await processEvent(event, testDeps(clients, { workflows })), 'rds-cluster');
    expect(out?.error).toBeUndefined();
    expect(out).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'AWS_OWNED_KEY',
      action: 'REMEDIATE',
      result: 'PENDING',
    });
    expect(started[0]?.input).toMatchObject({
      kind: 'cluster',
      sourceId: 'aurora',
      reason: 'AWS_OWNED_KEY',
      cmkArn: CMK.arn,
    });
  });

  it('a Redshift cluster reporting an AWS-owned key ARN it may not describe is re-keyed, not an ACCESS_DENIED error', async () => {
    let tags: { Key: string; Value: string }[] = [];
    redshift.on(DescribeClustersCommand).callsFake(async () => ({
      Clusters: [{ ClusterIdentifier: 'dw', ClusterStatus: 'available', Encrypted: true, KmsKeyId: OWNED, Tags: tags }],
    }));
    redshift.on(CreateTagsCommand).callsFake(async (input: { Tags: { Key: string; Value: string }[] }) => {
      tags = [...tags, ...input.Tags];
      return {};
    });
    redshift.on(ModifyClusterCommand).resolves({});
    const event = cloudTrailEvent({
      source: 'aws.redshift',
      eventSource: 'redshift.amazonaws.com',
      eventName: 'CreateCluster',
      region: R,
      requestParameters: { clusterIdentifier: 'dw' },
    });
    const out = outcome(await processEvent(event, testDeps(clients)), 'redshift-cluster');
    expect(out?.error).toBeUndefined();
    expect(out).toMatchObject({ reason: 'AWS_OWNED_KEY', action: 'REMEDIATE', result: 'PENDING', observedKey: OWNED });
    expect(redshift.commandCalls(ModifyClusterCommand)[0]?.args[0].input).toEqual({
      ClusterIdentifier: 'dw',
      Encrypted: true,
      KmsKeyId: CMK.arn,
    });
    expect(tags).toContainEqual({ Key: REKEY_REQUESTED_TAG, Value: CMK.arn });
  });

  it("AccessDenied on a key of the resource's own account stays an error naming kms:DescribeKey", async () => {
    const own = `arn:aws:kms:${R}:${ACCOUNT}:key/locked`;
    kms
      .on(DescribeKeyCommand, { KeyId: own })
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    redshift.on(DescribeClustersCommand).resolves({
      Clusters: [{ ClusterIdentifier: 'dw', ClusterStatus: 'available', Encrypted: true, KmsKeyId: own, Tags: [] }],
    });
    const event = cloudTrailEvent({
      source: 'aws.redshift',
      eventSource: 'redshift.amazonaws.com',
      eventName: 'ModifyCluster',
      region: R,
      requestParameters: { clusterIdentifier: 'dw' },
    });
    expect(
      outcome(
        await processEvent(event, testDeps(clients, { policy: testPolicy({ mode: 'report' }) })),
        'redshift-cluster',
      ),
    ).toMatchObject({ status: 'ERROR', error: { code: 'ACCESS_DENIED', missingPermission: 'kms:DescribeKey' } });
  });
});
