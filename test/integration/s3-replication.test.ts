import {
  GetBucketReplicationCommand,
  PutBucketReplicationCommand,
  type ReplicationConfiguration,
  S3Client,
} from '@aws-sdk/client-s3';
import { processEvent } from '../../shared/pipeline/process';
import { createKey, createBucket, s3Event } from '../../testbed/estates/estate';
import {
  createVersionedBucket,
  putReplication,
  putReplicationRole,
  REPLICATION_ROLE,
  replicationRule,
} from '../../testbed/estates/estate-cross-region';
import type { SimulatePrincipalPolicyCommandInput } from '@aws-sdk/client-iam';
import { testDeps, testPolicy, useEmulator } from '../support/harness';
import { recordRequests } from '../../testbed/requests';

const E = 'us-east-1';
const W = 'eu-west-1';
const emu = useEmulator();
let east: { arn: string; keyId: string };
let west: { arn: string; keyId: string };

const readConfig = async (bucket: string): Promise<ReplicationConfiguration | undefined> =>
  (
    await emu
      .clients()
      .get(S3Client, { region: E })
      .send(new GetBucketReplicationCommand({ Bucket: bucket }))
  ).ReplicationConfiguration;

// iam:SimulatePrincipalPolicy runs on the emulator (testbed/emulator/iam_ext.py) against the role's inline policy;
// the requests the rule sends are read from the request recorder.
let recorder: ReturnType<typeof recordRequests>;
const simulated = (): SimulatePrincipalPolicyCommandInput[] =>
  recorder.requests
    .filter((r) => r.operation === 'SimulatePrincipalPolicy')
    .map((r) => r.input as SimulatePrincipalPolicyCommandInput);

afterEach(() => {
  recorder.stop();
});

beforeEach(async () => {
  await emu.current.reset();
  recorder = recordRequests();
  await putReplicationRole(emu.clients());
  east = await createKey(emu.clients(), E, 'alias/data-platform');
  west = await createKey(emu.clients(), W, 'alias/data-platform');
  await createVersionedBucket(emu.clients(), E, 'src');
  await createVersionedBucket(emu.clients(), W, 'dst-eu');
  await createVersionedBucket(emu.clients(), E, 'dst-us');
});

describe('s3-replication rule on the emulator, two regions', () => {
  it("a rule keyed with the source region's CMK is rewritten to the destination's; other rules and fields stay as they were", async () => {
    const clients = emu.clients();
    await putReplication(clients, E, 'src', [
      replicationRule('to-eu', 1, 'dst-eu', east.arn, {
        Destination: {
          Bucket: 'arn:aws:s3:::dst-eu',
          StorageClass: 'STANDARD_IA',
          EncryptionConfiguration: { ReplicaKmsKeyID: east.arn },
        },
      }),
      replicationRule('to-us', 2, 'dst-us', east.arn),
    ]);
    const before = await readConfig('src');
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('PutBucketReplication', 'src', E), deps);
    expect(result.outcomes).toHaveLength(1);
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'WRONG_REGION_KEY',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      observedKey: east.arn,
      expectedKey: west.arn,
    });
    expect(result.outcomes[0]?.detail).toContain('to-eu');
    const after = await readConfig('src');
    expect(after?.Rules?.[0]?.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID).toBe(west.arn);
    // Everything else, byte for byte: the second rule, the role, the first rule's other fields.
    expect(after?.Role).toBe(REPLICATION_ROLE);
    expect(after?.Rules?.[1]).toEqual(before?.Rules?.[1]);
    const strip = (c?: ReplicationConfiguration) =>
      JSON.stringify({
        ...c?.Rules?.[0],
        Destination: { ...c?.Rules?.[0]?.Destination, EncryptionConfiguration: undefined },
      });
    expect(strip(after)).toBe(strip(before));
    expect(after?.Rules?.[0]?.Destination?.StorageClass).toBe('STANDARD_IA');
    expect(after?.Rules?.[0]?.Filter?.Prefix).toBe('to-eu/');
    expect(deps.alerts.alerts).toHaveLength(1);
    expect(deps.alerts.alerts[0]).toMatchObject({
      resource: { type: 's3-replication', id: 'src' },
      action: { taken: 'REMEDIATE', result: 'VERIFIED' },
    });
    // Our own PutBucketReplication comes back as an event: compliant, nothing new.
    const again = await processEvent(s3Event('PutBucketReplication', 'src', E), deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('before rewriting the replica key, the role is checked against both keys: one it cannot use is reported with the statements to add, nothing written', async () => {
    const clients = emu.clients();
    await putReplication(clients, E, 'src', [replicationRule('to-eu', 1, 'dst-eu', east.arn)]);
    const before = await readConfig('src');
    // The role may decrypt the source CMK, but not encrypt with eu-west-1's.
    await putReplicationRole(clients, [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]);
    const deps = testDeps(clients);
    const out = (await processEvent(s3Event('PutBucketReplication', 'src', E), deps)).outcomes[0];
    expect(out).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'WRONG_REGION_KEY',
      action: 'REPORT',
      result: 'NOT_ATTEMPTED',
    });
    expect(out?.detail).toContain('replication would end ReplicationStatus=FAILED');
    const statement = {
      Effect: 'Allow',
      Action: 'kms:Encrypt',
      Resource: west.arn,
      Condition: {
        StringLike: {
          'kms:ViaService': 's3.eu-west-1.amazonaws.com',
          'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::dst-eu/*',
        },
      },
    };
    expect(out?.actionDetail).toContain(`add to role ${REPLICATION_ROLE} ${JSON.stringify(statement)}`);
    expect(await readConfig('src')).toEqual(before);
    // What was asked: each key with its own key policy and the context S3 sends.
    const encrypt = simulated().find((i) => i.ActionNames?.[0] === 'kms:Encrypt');
    expect(encrypt).toMatchObject({
      PolicySourceArn: REPLICATION_ROLE,
      ResourceArns: [west.arn],
      ResourceOwner: `arn:aws:iam::${west.arn.split(':')[4]}:root`,
    });
    expect(JSON.parse(encrypt?.ResourcePolicy as string)).toHaveProperty('Statement');
    expect(encrypt?.ContextEntries).toContainEqual({
      ContextKeyName: 'kms:ViaService',
      ContextKeyType: 'string',
      ContextKeyValues: ['s3.eu-west-1.amazonaws.com'],
    });
    expect(simulated().find((i) => i.ActionNames?.[0] === 'kms:Decrypt')).toMatchObject({ ResourceArns: [east.arn] });

    // Once the role may use it, the rewrite goes ahead and verifies.
    await putReplicationRole(clients);
    expect((await processEvent(s3Event('PutBucketReplication', 'src', E), deps)).outcomes[0]).toMatchObject({
      reason: 'WRONG_REGION_KEY',
      action: 'REMEDIATE',
      result: 'VERIFIED',
    });
  });

  it('a rule already on the right key whose role cannot use it is non-compliant (replication is failing now) and reported', async () => {
    const clients = emu.clients();
    await putReplication(clients, E, 'src', [replicationRule('to-eu', 1, 'dst-eu', west.arn)]);
    await putReplicationRole(clients, [
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Action: 'kms:Decrypt', Resource: east.arn },
    ]);
    const out = (await processEvent(s3Event('PutBucketReplication', 'src', E), testDeps(clients))).outcomes[0];
    expect(out).toMatchObject({
      reason: 'REPLICATION_ROLE_CANNOT_USE_KEYS',
      action: 'REPORT',
      detail: expect.stringContaining(`kms:Decrypt on ${east.arn} via S3 in us-east-1`),
    });
  });

  it("a configuration already keyed right (alias, key id or ARN of each destination's CMK) is untouched", async () => {
    const clients = emu.clients();
    await putReplication(clients, E, 'src', [
      replicationRule('to-eu', 1, 'dst-eu', west.arn),
      replicationRule('to-us', 2, 'dst-us', east.keyId),
    ]);
    const before = await readConfig('src');
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('PutBucketReplication', 'src', E), deps);
    expect(result.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE', expectedKey: west.arn });
    expect(await readConfig('src')).toEqual(before);
    expect(deps.alerts.alerts).toHaveLength(0);
  });

  it('a rule with no replica key and one with the AWS-managed key are both fixed in one write', async () => {
    const clients = emu.clients();
    await putReplication(clients, E, 'src', [
      replicationRule('to-eu', 1, 'dst-eu'),
      replicationRule('to-us', 2, 'dst-us', 'alias/aws/s3'),
    ]);
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('PutBucketReplication', 'src', E), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'NO_REPLICA_KEY', result: 'VERIFIED' });
    const after = await readConfig('src');
    expect(after?.Rules?.map((r) => r.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID)).toEqual([
      west.arn,
      east.arn,
    ]);
  });

  it('report and quarantine modes change nothing and alert', async () => {
    const clients = emu.clients();
    await putReplication(clients, E, 'src', [replicationRule('to-eu', 1, 'dst-eu', east.arn)]);
    for (const mode of ['report', 'quarantine'] as const) {
      const deps = testDeps(clients, { policy: testPolicy({ types: { 's3-replication': { mode } } }) });
      const result = await processEvent(s3Event('PutBucketReplication', 'src', E), deps);
      // Quarantine is alert-only for a replication configuration: it is reported.
      expect(result.outcomes[0]).toMatchObject({ status: 'NON_COMPLIANT', action: 'REPORT' });
      expect(deps.alerts.alerts).toHaveLength(1);
      expect((await readConfig('src'))?.Rules?.[0]?.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID).toBe(
        east.arn,
      );
    }
  });

  it('PutBucketEncryption on a destination re-judges the rules of this region that replicate into it', async () => {
    const clients = emu.clients();
    await createBucket(clients, E, 'unrelated');
    await putReplication(clients, E, 'src', [replicationRule('to-us', 1, 'dst-us', west.arn)]);
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('PutBucketEncryption', 'dst-us', E), deps);
    const rep = result.outcomes.find((o) => o.ref.type === 's3-replication');
    expect(rep).toMatchObject({
      ref: { id: 'to:dst-us' },
      reason: 'WRONG_REGION_KEY',
      result: 'VERIFIED',
      expectedKey: east.arn,
    });
    expect((await readConfig('src'))?.Rules?.[0]?.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID).toBe(east.arn);
  });

  it('CreateBucket of an unversioned bucket costs no listing: it cannot be a destination yet', async () => {
    const clients = emu.clients();
    await createBucket(clients, E, 'fresh');
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('CreateBucket', 'fresh', E), deps);
    expect(result.outcomes.find((o) => o.ref.type === 's3-replication')).toMatchObject({
      status: 'NOT_APPLICABLE',
      action: 'NONE',
    });
  });

  it('a bucket without replication is NOT_APPLICABLE and a gone bucket is RESOURCE_GONE', async () => {
    const deps = testDeps(emu.clients());
    expect((await processEvent(s3Event('PutBucketReplication', 'src', E), deps)).outcomes[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'NO_REPLICATION',
    });
    expect((await processEvent(s3Event('PutBucketReplication', 'nope', E), deps)).outcomes[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'RESOURCE_GONE',
    });
  });
});

// GetBucketReplication reads every rule back as it was put (the emulator extension, testbed/emulator/s3_ext.py,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketReplication.html); moto alone drops
// SourceSelectionCriteria and empties Filter.Prefix.
describe('s3-replication: every field of a rule survives the rewrite, on the emulator', () => {
  const config = (ssc: 'Enabled' | 'Disabled' | undefined): ReplicationConfiguration => ({
    Role: REPLICATION_ROLE,
    Rules: [
      {
        ID: 'logs',
        Priority: 1,
        Status: 'Enabled',
        Filter: { And: { Prefix: 'logs/', Tags: [{ Key: 'class', Value: 'pii' }] } },
        ...(ssc
          ? {
              SourceSelectionCriteria: {
                SseKmsEncryptedObjects: { Status: ssc },
                ReplicaModifications: { Status: 'Enabled' },
              },
            }
          : {}),
        DeleteMarkerReplication: { Status: 'Disabled' },
        Destination: {
          Bucket: 'arn:aws:s3:::dst-eu',
          Account: '123456789012',
          AccessControlTranslation: { Owner: 'Destination' },
          EncryptionConfiguration: { ReplicaKmsKeyID: west.arn },
          Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
        },
      },
      {
        ID: 'raw',
        Priority: 2,
        Status: 'Enabled',
        Filter: { Prefix: 'raw/' },
        SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
        DeleteMarkerReplication: { Status: 'Enabled' },
        Destination: { Bucket: 'arn:aws:s3:::dst-eu', EncryptionConfiguration: { ReplicaKmsKeyID: west.arn } },
      },
    ],
  });
  const put = (c: ReplicationConfiguration) =>
    emu
      .clients()
      .get(S3Client, { region: E })
      .send(new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: c }));

  it('reads back what was put: the And filter with its tags, the prefix, SourceSelectionCriteria, the destination', async () => {
    const c = config('Enabled');
    await put(c);
    expect(await readConfig('src')).toEqual(c);
  });

  it.each([
    ['absent', undefined],
    ['Disabled', 'Disabled'],
  ] as const)('SseKmsEncryptedObjects %s → Enabled, everything else written back as read', async (_l, ssc) => {
    const original = config(ssc);
    await put(original);
    const deps = testDeps(emu.clients());
    const result = await processEvent(s3Event('PutBucketReplication', 'src', E), deps);
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'SSE_KMS_OBJECTS_NOT_REPLICATED',
      result: 'VERIFIED',
    });
    const written = await readConfig('src');
    expect(written?.Rules?.[0]?.SourceSelectionCriteria?.SseKmsEncryptedObjects).toEqual({ Status: 'Enabled' });
    // Only that field changed: the And filter with its prefix and tags, the other rule, the role stay.
    const expected = structuredClone(original);
    const first = (expected.Rules as NonNullable<ReplicationConfiguration['Rules']>)[0] as NonNullable<
      ReplicationConfiguration['Rules']
    >[number];
    first.SourceSelectionCriteria = { ...first.SourceSelectionCriteria, SseKmsEncryptedObjects: { Status: 'Enabled' } };
    expect(written).toEqual(expected);
    expect(written?.Rules?.[1]).toEqual(original.Rules?.[1]);
    if (ssc) expect(written?.Rules?.[0]?.SourceSelectionCriteria?.ReplicaModifications).toEqual({ Status: 'Enabled' });
  });

  it("compliant when SseKmsEncryptedObjects is on and every replica key is the destination's CMK: no write", async () => {
    await put(config('Enabled'));
    const before = await readConfig('src');
    const result = await processEvent(s3Event('PutBucketReplication', 'src', E), testDeps(emu.clients()));
    expect(result.outcomes[0]).toMatchObject({ status: 'COMPLIANT', expectedKey: west.arn });
    expect(await readConfig('src')).toEqual(before);
  });
});
