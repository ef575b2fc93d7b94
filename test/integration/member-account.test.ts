import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectingAlertSink } from '../../shared/alerts/publisher';
import type { AwsScope } from '../../shared/aws/clients';
import { FileSweepStore } from '../../shared/backfill/file-store';
import { Pacer } from '../../shared/backfill/pacing';
import { backfill } from '../../shared/backfill/run';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { processEvent } from '../../shared/pipeline/process';
import { LocalWorkflowDriver } from '../../shared/workflows/local-driver';
import { cloudTrailEvent, createKey } from '../../testbed/estates/estate';
import type { ClientFactory } from '../../shared/aws/clients';
import { ACCOUNT, emulatorClients, onlyRules, testDeps, testPolicy, useEmulator } from '../support/harness';

/**
 * A member account has its own CMK under the same alias as the home account's (an alias names a
 * different key per account). Everything done for a member resource — the event pipeline, the sweep,
 * the re-encryption workflow's steps — must resolve keys with the member's credentials: moto selects
 * the account by the credentials STS AssumeRole returned (DESIGN.md §5), as AWS does.
 */
const R = 'us-east-1';
const MEMBER = '210987654321';
const MEMBER_SCOPE: AwsScope = {
  region: R,
  account: MEMBER,
  roleArn: `arn:aws:iam::${MEMBER}:role/cmk-sentinel-member`,
};
const emu = useEmulator();
// Other rules answer CreateDBInstance too (rds-tls); the event test is about the re-encryption.
onlyRules('rds-instance');
// Fresh clients per test: assumed-role credentials cached by a factory die with the emulator's reset.
let clients: ClientFactory;
let homeCmk: string;
let memberCmk: string;

const policy = () => testPolicy({ regions: [R], accounts: { ids: [MEMBER] } });

const memberKey = async (): Promise<string> => {
  const kms = clients.get(KMSClient, MEMBER_SCOPE);
  const key = await kms.send(new CreateKeyCommand({ Description: 'member CMK' }));
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: key.KeyMetadata?.KeyId }));
  return key.KeyMetadata?.Arn as string;
};

const sweep = async (types: string[], deps: PipelineDeps) => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
  const result = await backfill(
    { types, accounts: [MEMBER] },
    {
      deps,
      pacer: new Pacer(),
      store: new FileSweepStore(dir),
      reportFile: join(dir, 'r.json'),
      summarySink: new CollectingAlertSink(),
    },
  );
  const rows = [];
  for await (const r of new FileSweepStore(dir).results(result.sweepId)) rows.push(r);
  return rows;
};

beforeAll(async () => {
  // The first RDS call is slow on moto.
  await emulatorClients(emu.current.endpoint).get(RDSClient, { region: R }).send(new DescribeDBInstancesCommand({}));
});

beforeEach(async () => {
  await emu.current.reset();
  clients = emulatorClients(emu.current.endpoint);
  homeCmk = (await createKey(clients, R, 'alias/data-platform', 'home CMK')).arn;
  memberCmk = await memberKey();
  expect(memberCmk).toContain(`:${MEMBER}:`);
  expect(homeCmk).toContain(`:${ACCOUNT}:`);
});

describe("member accounts: one rule context, scoped to the resource's account", () => {
  it("re-encrypts a member's RDS instance with the member's CMK and the workflow verifies it against that key", async () => {
    await clients.get(RDSClient, MEMBER_SCOPE).send(
      new CreateDBInstanceCommand({
        // 5.6: the restore fallback (route.ts), whose copy this test reads; the Blue/Green path is
        // rds-blue-green.test.ts.
        DBInstanceIdentifier: 'member-db',
        Engine: 'mysql',
        EngineVersion: '5.6.51',
        DBInstanceClass: 'db.t3.medium',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-real-secret-1',
        StorageEncrypted: false,
      }),
    );
    const deps = testDeps(clients, { policy: policy() });
    const driver = new LocalWorkflowDriver(() => deps as PipelineDeps, { log: deps.log });
    deps.workflows = driver;
    const event = cloudTrailEvent({
      source: 'aws.rds',
      eventSource: 'rds.amazonaws.com',
      eventName: 'CreateDBInstance',
      region: R,
      account: MEMBER,
      requestParameters: { dBInstanceIdentifier: 'member-db', engine: 'mysql' },
    });
    const result = await processEvent(event, deps);
    expect(result.outcomes[0]).toMatchObject({
      ref: { account: MEMBER },
      reason: 'UNENCRYPTED',
      result: 'PENDING',
      expectedKey: memberCmk,
    });
    const run = [...(await driver.settle()).values()][0];
    expect(run?.status).toBe('SUCCEEDED');
    const copy = (
      await clients
        .get(RDSClient, MEMBER_SCOPE)
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'member-db-cmk' }))
    ).DBInstances?.[0];
    expect(copy).toMatchObject({ StorageEncrypted: true, KmsKeyId: memberCmk });
    // The verify step judged the copy against the member's CMK, not the home account's.
    expect(deps.alerts.alerts.map((a) => a.action.result)).toEqual(['PENDING', 'VERIFIED']);
    expect(deps.alerts.alerts[1]?.action.detail).toContain(memberCmk);
  });

  it("a sweep of a member account lists that account's CMK (kms-key), not the home account's", async () => {
    const rows = await sweep(['kms-key'], testDeps(clients, { policy: policy() }));
    expect(rows.map((r) => `${r.unit} ${r.id}`)).toEqual([`${MEMBER}/${R}/kms-key ${memberCmk}`]);
  });

  it("a sweep re-keys a member bucket's existing objects with the member's CMK", async () => {
    const s3 = clients.get(S3Client, MEMBER_SCOPE);
    await s3.send(new CreateBucketCommand({ Bucket: 'member-data' }));
    await s3.send(new PutObjectCommand({ Bucket: 'member-data', Key: 'a.csv', Body: 'x' }));
    const rows = await sweep(['s3-bucket'], testDeps(clients, { policy: policy() }));
    expect(rows.map((r) => `${r.id} ${r.result} ${r.expectedKey}`)).toEqual([`member-data VERIFIED ${memberCmk}`]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'member-data', Key: 'a.csv' }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: memberCmk });
  });
});
