import {
  ConfigServiceClient,
  PutConfigurationAggregatorCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  type RecordingGroup,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectingAlertSink } from '../../shared/alerts/publisher';
import { type AwsScope, type ClientFactory, installRequestHook, type SentRequest } from '../../shared/aws/clients';
import { FileSweepStore } from '../../shared/backfill/file-store';
import { Pacer } from '../../shared/backfill/pacing';
import { backfill } from '../../shared/backfill/run';
import type { ResultRow } from '../../shared/backfill/store';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { createKey } from '../../testbed/estates/estate';
import { ACCOUNT, emulatorClients, testDeps, testPolicy, useEmulator } from '../support/harness';

/**
 * A sweep that triages from AWS Config (backfill.config), on the emulator (testbed/emulator/config_ext.py): what
 * Config's
 * recent item shows compliant is recorded without a direct read; what it shows non-compliant, cannot tell, captured
 * too long ago, or carrying the objects marker (a tag Config's batch reads leave out) is re-read and acted on as in a
 * direct sweep. Where no recorder records the type, the unit is swept directly.
 */
const R = 'us-east-1';
const MEMBER = '210987654321';
const ROLE = 'cmk-sentinel-member';
const emu = useEmulator();
let clients: ClientFactory;
let cmk: string;

const memberScope: AwsScope = { region: R, account: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/${ROLE}` };
const config = (scope: AwsScope = { region: R }) => clients.get(ConfigServiceClient, scope);

const recorder = async (scope: AwsScope = { region: R }, group: RecordingGroup = { allSupported: true }) => {
  await config(scope).send(
    new PutConfigurationRecorderCommand({
      ConfigurationRecorder: { name: 'default', roleARN: `arn:aws:iam::${ACCOUNT}:role/config`, recordingGroup: group },
    }),
  );
  await config(scope).send(
    new PutDeliveryChannelCommand({ DeliveryChannel: { name: 'default', s3BucketName: 'cfg-logs' } }),
  );
  await config(scope).send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: 'default' }));
};

const bucket = async (name: string, kind: 'cmk' | 'sse-s3' | 'none', scope: AwsScope = { region: R }, key = cmk) => {
  const s3 = clients.get(S3Client, scope);
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  if (kind === 'none') return;
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: name,
      ServerSideEncryptionConfiguration: {
        Rules: [
          kind === 'cmk'
            ? {
                ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key },
                BucketKeyEnabled: true,
              }
            : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
    }),
  );
};

const policy = (cfg?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  testPolicy({ regions: [R], ...(cfg ? { backfill: { config: cfg } } : {}), ...extra });

/** Sweep s3-bucket; the rows and every request the service sent (not the test's setup). */
const sweep = async (deps: PipelineDeps, accounts?: string[]) => {
  const sent: SentRequest[] = [];
  const stop = installRequestHook((r) => sent.push(r));
  const dir = mkdtempSync(join(tmpdir(), 'cfg-sweep-'));
  try {
    const result = await backfill(
      { types: ['s3-bucket'], ...(accounts ? { accounts } : {}) },
      {
        deps,
        pacer: new Pacer(),
        store: new FileSweepStore(dir),
        reportFile: join(dir, 'r.json'),
        summarySink: new CollectingAlertSink(),
      },
    );
    const rows: ResultRow[] = [];
    for await (const r of new FileSweepStore(dir).results(result.sweepId)) rows.push(r);
    return { rows, sent, byId: Object.fromEntries(rows.map((r) => [r.id, r])) };
  } finally {
    stop();
  }
};
const reads = (sent: SentRequest[], op: string, bucketName: string) =>
  sent.filter((r) => r.operation === op && (r.input as { Bucket?: string }).Bucket === bucketName).length;

beforeEach(async () => {
  await emu.current.reset();
  clients = emulatorClients(emu.current.endpoint);
  cmk = (await createKey(clients, R, 'alias/data-platform', 'home CMK')).arn;
});

describe('a sweep triaged from AWS Config', () => {
  it("judges Config's fresh compliant items without a direct read, and re-reads and fixes the rest", async () => {
    await recorder();
    await bucket('ok-1', 'cmk');
    await bucket('ok-2', 'cmk');
    await bucket('sse-s3', 'sse-s3');
    await bucket('plain', 'none');
    // Compliant default, objects not all on the CMK yet: only the tag says so, and Config's batch reads omit tags.
    await bucket('pending', 'cmk');
    const s3 = clients.get(S3Client, { region: R });
    await s3.send(
      new PutObjectCommand({ Bucket: 'pending', Key: 'old.csv', Body: 'x', ServerSideEncryption: 'AES256' }),
    );
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: 'pending',
        Tagging: { TagSet: [{ Key: 'cmk-sentinel:objects', Value: 'pending' }] },
      }),
    );
    const { byId, sent } = await sweep(testDeps(clients, { policy: policy({ maxAgeHours: 24 }) }));
    expect(Object.keys(byId).sort()).toEqual(['ok-1', 'ok-2', 'pending', 'plain', 'sse-s3']);
    for (const id of ['ok-1', 'ok-2']) {
      expect(byId[id]).toMatchObject({ status: 'COMPLIANT', expectedKey: cmk });
      expect(byId[id]?.detail).toMatch(/^from AWS Config's configuration item captured /);
      expect(reads(sent, 'GetBucketEncryption', id)).toBe(0);
      expect(reads(sent, 'GetBucketTagging', id)).toBe(0);
    }
    expect(byId['sse-s3']).toMatchObject({ reason: 'NOT_KMS', result: 'VERIFIED' });
    expect(byId.plain).toMatchObject({ reason: 'UNENCRYPTED', result: 'VERIFIED' });
    expect(byId.pending).toMatchObject({ reason: 'OBJECTS_NOT_ON_CMK' });
    // Everything acted on was read directly first.
    for (const id of ['sse-s3', 'plain', 'pending']) expect(reads(sent, 'GetBucketEncryption', id)).toBeGreaterThan(0);
    expect(sent.filter((r) => r.operation === 'BatchGetResourceConfig')).toHaveLength(1);
    expect(sent.filter((r) => r.operation === 'GetResources')).toHaveLength(1);
  });

  it('re-reads every item older than the freshness bound', async () => {
    await recorder();
    await bucket('ok-1', 'cmk');
    const later = new Date(Date.now() + 48 * 3_600_000);
    const { byId, sent } = await sweep(testDeps(clients, { policy: policy({ maxAgeHours: 24 }), now: () => later }));
    expect(byId['ok-1']).toMatchObject({ status: 'COMPLIANT' });
    expect(byId['ok-1']?.detail ?? '').not.toMatch(/AWS Config/);
    expect(reads(sent, 'GetBucketEncryption', 'ok-1')).toBeGreaterThan(0);
  });

  it('sweeps directly where no recorder records buckets (none at all, or one recording other types only)', async () => {
    await bucket('ok-1', 'cmk');
    await bucket('plain', 'none');
    const none = await sweep(testDeps(clients, { policy: policy({}) }));
    expect(none.rows.map((r) => `${r.id} ${r.status}`).sort()).toEqual(['ok-1 COMPLIANT', 'plain NON_COMPLIANT']);
    expect(none.sent.some((r) => r.operation === 'ListDiscoveredResources')).toBe(false);
    expect(reads(none.sent, 'GetBucketEncryption', 'ok-1')).toBeGreaterThan(0);
    await recorder({ region: R }, { allSupported: false, resourceTypes: ['AWS::RDS::DBInstance'] });
    const other = await sweep(testDeps(clients, { policy: policy({}) }));
    expect(other.sent.some((r) => r.operation === 'ListDiscoveredResources')).toBe(false);
    expect(other.rows).toHaveLength(2);
  });

  it("triages a member account from its own Config through the member role, judged by the member's CMK", async () => {
    const memberCmk = (await clients.get(KMSClient, memberScope).send(new CreateKeyCommand({}))).KeyMetadata
      ?.Arn as string;
    const { CreateAliasCommand } = await import('@aws-sdk/client-kms');
    await clients
      .get(KMSClient, memberScope)
      .send(new CreateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: memberCmk }));
    await recorder(memberScope);
    await bucket('m-ok', 'cmk', memberScope, memberCmk);
    await bucket('m-home-key', 'cmk', memberScope, cmk);
    const deps = testDeps(clients, { policy: policy({}, { accounts: { ids: [MEMBER], roleName: ROLE } }) });
    const { byId, sent } = await sweep(deps, [MEMBER]);
    expect(byId['m-ok']).toMatchObject({ status: 'COMPLIANT', expectedKey: memberCmk });
    expect(byId['m-ok']?.detail).toMatch(/AWS Config/);
    // The central account's key is not the member's CMK (nor readable with the member's credentials: its key policy
    // grants the member nothing): re-read, re-keyed to the member's.
    expect(byId['m-home-key']).toMatchObject({ reason: 'UNKNOWN_KEY', result: 'VERIFIED', expectedKey: memberCmk });
    expect(sent.filter((r) => r.operation === 'BatchGetResourceConfig').map((r) => r.scope.account)).toEqual([MEMBER]);
  });

  it('reads through an aggregator named in the policy', async () => {
    await recorder();
    await config().send(
      new PutConfigurationAggregatorCommand({
        ConfigurationAggregatorName: 'org',
        AccountAggregationSources: [{ AccountIds: [ACCOUNT], AllAwsRegions: true }],
      }),
    );
    await bucket('ok-1', 'cmk');
    await bucket('plain', 'none');
    const { byId, sent } = await sweep(
      testDeps(clients, { policy: policy({ aggregator: { name: 'org', region: R } }) }),
    );
    expect(byId['ok-1']?.detail).toMatch(/AWS Config/);
    expect(byId.plain).toMatchObject({ reason: 'UNENCRYPTED', result: 'VERIFIED' });
    expect(sent.filter((r) => r.operation === 'BatchGetAggregateResourceConfig')).toHaveLength(1);
    expect(sent.some((r) => r.operation === 'BatchGetResourceConfig')).toBe(false);
  });
});
