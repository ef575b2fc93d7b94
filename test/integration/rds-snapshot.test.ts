import {
  CopyDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { processEvent } from '../../shared/pipeline/process';
import { KeyResolver } from '../../shared/kms/key-resolver';
import { rdsClusterSnapshotRule, rdsSnapshotRule } from '../../shared/rules/rds-snapshot';
import { SUPERSEDED_TAG } from '../../shared/rules/rds-snapshot/evaluate';
import { createKey } from '../../testbed/estates/estate';
import {
  createDbCluster,
  createDbClusterSnapshot,
  createDbInstance,
  createDbSnapshot,
  rdsEvent,
  shareSnapshot,
} from '../../testbed/estates/estate-snapshots';
import { testDeps, testPolicy, useEmulator } from '../support/harness';

const R = 'us-east-1';
const EU = 'eu-west-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const rds = (region = R) => emu.clients().get(RDSClient, { region });

const snapshot = async (id: string, region = R) => {
  const out = await rds(region)
    .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))
    .catch(() => undefined);
  return out?.DBSnapshots?.[0];
};
const clusterSnapshot = async (id: string) => {
  const out = await rds()
    .send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }))
    .catch(() => undefined);
  return out?.DBClusterSnapshots?.[0];
};
const restoreOf = async (id: string) =>
  (await rds().send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id }))).DBSnapshotAttributesResult
    ?.DBSnapshotAttributes?.[0]?.AttributeValues ?? [];
const tagsOf = (s: { TagList?: { Key?: string; Value?: string }[] } | undefined) =>
  Object.fromEntries((s?.TagList ?? []).map((t) => [t.Key, t.Value]));
const allSnapshots = async () => (await rds().send(new DescribeDBSnapshotsCommand({}))).DBSnapshots ?? [];

const created = (id: string) =>
  rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: id, dBInstanceIdentifier: 'db' }, R);
const clusterCreated = (id: string) =>
  rdsEvent('CreateDBClusterSnapshot', { dBClusterSnapshotIdentifier: id, dBClusterIdentifier: 'aurora' }, R);

beforeAll(() => {
  // The emulator makes copies available at once; keep any wait short.
  process.env.CMK_SENTINEL_SNAPSHOT_WAIT_SECONDS = '2';
  process.env.CMK_SENTINEL_SNAPSHOT_POLL_SECONDS = '0.2';
});

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('rds-snapshot rule on the emulator', () => {
  it('copies an unencrypted manual snapshot to <id>-cmk with the CMK and its tags, verifies it, tags and keeps the original', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db');
    await createDbSnapshot(clients, R, 'db', 'nightly', { owner: 'team-a' });
    const deps = testDeps(clients);
    const result = await processEvent(created('nightly'), deps);
    expect(result.outcomes).toHaveLength(1);
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      expectedKey: cmk.arn,
    });
    expect(result.outcomes[0]?.actionDetail).toContain('original kept (policy gate deleteOriginals off)');
    const copy = await snapshot('nightly-cmk');
    expect(copy).toMatchObject({ Encrypted: true, KmsKeyId: cmk.arn, Status: 'available' });
    expect(tagsOf(copy)).toMatchObject({ owner: 'team-a' });
    const original = await snapshot('nightly');
    expect(original?.Encrypted).toBe(false);
    expect(tagsOf(original)[SUPERSEDED_TAG]).toBe('nightly-cmk');
    expect(deps.alerts.alerts).toHaveLength(1);
    expect(deps.alerts.alerts[0]).toMatchObject({
      resource: { type: 'rds-snapshot', id: 'nightly', arn: `arn:aws:rds:${R}:123456789012:snapshot:nightly` },
      action: { taken: 'REMEDIATE', result: 'VERIFIED' },
    });

    // A second delivery (or the event of our own copy) finds the original superseded: nothing new, no alert.
    const count = (await allSnapshots()).length;
    const again = await processEvent(created('nightly'), deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', reason: 'SUPERSEDED', action: 'NONE' });
    const ownCopy = await processEvent(
      rdsEvent(
        'CopyDBSnapshot',
        {
          sourceDBSnapshotIdentifier: 'nightly',
          targetDBSnapshotIdentifier: 'nightly-cmk',
          kmsKeyId: cmk.arn,
          copyTags: true,
        },
        R,
      ),
      deps,
    );
    expect(ownCopy.outcomes.map((o) => [o.ref.id, o.status, o.action])).toEqual([
      ['nightly-cmk', 'COMPLIANT', 'NONE'],
      ['nightly', 'COMPLIANT', 'NONE'],
    ]);
    expect((await allSnapshots()).length).toBe(count);
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it.each([
    ['the AWS-managed key (encrypted without a key id)', { encrypted: true }, 'AWS_MANAGED_KEY'],
    ['another customer key', 'other', 'WRONG_KEY'],
  ] as const)('re-keys a snapshot encrypted with %s', async (_label, enc, reason) => {
    const clients = emu.clients();
    const other = await createKey(clients, R);
    await createDbInstance(clients, R, 'db', enc === 'other' ? { kmsKeyId: other.arn } : enc);
    await createDbSnapshot(clients, R, 'db', 'snap');
    const result = await processEvent(created('snap'), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({ reason, action: 'REMEDIATE', result: 'VERIFIED' });
    expect((await snapshot('snap-cmk'))?.KmsKeyId).toBe(cmk.arn);
  });

  it('treats the CMK named by alias, alias ARN, key id or key ARN as compliant and changes nothing', async () => {
    const clients = emu.clients();
    const forms = {
      alias: 'alias/data-platform',
      'alias-arn': `arn:aws:kms:${R}:123456789012:alias/data-platform`,
      id: cmk.keyId,
      arn: cmk.arn,
    };
    for (const [name, ref] of Object.entries(forms)) {
      await createDbInstance(clients, R, `db-${name}`, { kmsKeyId: ref });
      await createDbSnapshot(clients, R, `db-${name}`, `snap-${name}`);
      const deps = testDeps(clients);
      const result = await processEvent(created(`snap-${name}`), deps);
      expect(result.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
      expect(await snapshot(`snap-${name}-cmk`)).toBeUndefined();
      expect(deps.alerts.alerts).toHaveLength(0);
    }
  });

  it('is idempotent when the re-keyed copy already exists: no second copy, the original is tagged', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db');
    await createDbSnapshot(clients, R, 'db', 'weekly');
    await rds().send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: 'weekly',
        TargetDBSnapshotIdentifier: 'weekly-cmk',
        KmsKeyId: cmk.arn,
      }),
    );
    const count = (await allSnapshots()).length;
    const result = await processEvent(created('weekly'), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED' });
    expect(result.outcomes[0]?.actionDetail).toContain('already exists');
    expect((await allSnapshots()).length).toBe(count);
    expect(tagsOf(await snapshot('weekly'))[SUPERSEDED_TAG]).toBe('weekly-cmk');
  });

  it('with deleteOriginals on, deletes the original only after the copy is verified', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db');
    await createDbSnapshot(clients, R, 'db', 'monthly');
    const deps = testDeps(clients, { policy: testPolicy({ gates: { deleteOriginals: true } }) });
    const result = await processEvent(created('monthly'), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(result.outcomes[0]?.actionDetail).toContain('deleted the original');
    expect(await snapshot('monthly')).toBeUndefined();
    expect(await snapshot('monthly-cmk')).toMatchObject({ Encrypted: true, KmsKeyId: cmk.arn });
  });

  it('with deleteOriginals on, keeps the original when the copy under the deterministic name is not on the CMK', async () => {
    const clients = emu.clients();
    const other = await createKey(clients, R);
    await createDbInstance(clients, R, 'db');
    await createDbSnapshot(clients, R, 'db', 'q1');
    await rds().send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: 'q1',
        TargetDBSnapshotIdentifier: 'q1-cmk',
        KmsKeyId: other.arn,
      }),
    );
    const deps = testDeps(clients, { policy: testPolicy({ gates: { deleteOriginals: true } }) });
    const result = await processEvent(created('q1'), deps);
    expect(result.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFICATION_FAILED' });
    expect(result.outcomes[0]?.actionDetail).toContain('not encrypted with the regional CMK');
    expect(await snapshot('q1')).toBeDefined();
  });

  it('deletes a superseded original later, when the gate is turned on after the copy was made', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db');
    await createDbSnapshot(clients, R, 'db', 'old');
    await processEvent(created('old'), testDeps(clients));
    expect(await snapshot('old')).toBeDefined();
    const deps = testDeps(clients, { policy: testPolicy({ gates: { deleteOriginals: true } }) });
    const result = await processEvent(created('old'), deps);
    expect(result.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED' });
    expect(await snapshot('old')).toBeUndefined();
  });

  it('reports an automated snapshot and leaves it alone', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db');
    const auto = (await rds().send(new DescribeDBSnapshotsCommand({ SnapshotType: 'automated' }))).DBSnapshots?.[0]
      ?.DBSnapshotIdentifier as string;
    expect(auto).toMatch(/^rds:db-/);
    const count = (await allSnapshots()).length;
    const deps = testDeps(clients);
    const result = await processEvent(created(auto), deps);
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
      action: 'REPORT',
      result: 'NOT_ATTEMPTED',
    });
    expect(result.outcomes[0]?.actionDetail).toContain('automated snapshot');
    expect((await allSnapshots()).length).toBe(count);
    expect(tagsOf(await snapshot(auto))).toEqual({});
    expect(deps.alerts.alerts[0]?.action).toMatchObject({ taken: 'REPORT' });
  });

  it('removes public sharing of a CMK-encrypted snapshot as its remediation', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db', { kmsKeyId: cmk.arn });
    await createDbSnapshot(clients, R, 'db', 'open');
    await shareSnapshot(clients, R, 'instance', 'open', ['all', '111122223333']);
    const result = await processEvent(
      rdsEvent(
        'ModifyDBSnapshotAttribute',
        { dBSnapshotIdentifier: 'open', attributeName: 'restore', valuesToAdd: ['all'] },
        R,
      ),
      testDeps(clients),
    );
    expect(result.outcomes[0]).toMatchObject({ reason: 'PUBLIC_SNAPSHOT', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(await restoreOf('open')).toEqual(['111122223333']);
    expect(await snapshot('open-cmk')).toBeUndefined();
  });

  it('unshares a public unencrypted snapshot, then copies it, and says the account share was not carried over', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db');
    await createDbSnapshot(clients, R, 'db', 'leak');
    await shareSnapshot(clients, R, 'instance', 'leak', ['all', '111122223333']);
    const result = await processEvent(created('leak'), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({ reason: 'PUBLIC_SNAPSHOT', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(result.outcomes[0]?.actionDetail).toMatch(/removed public restore sharing.*shared with 111122223333/);
    expect(await restoreOf('leak')).toEqual(['111122223333']);
    expect((await snapshot('leak-cmk'))?.KmsKeyId).toBe(cmk.arn);
  });

  it('quarantine removes public and cross-account sharing and tags; a re-run is UNCHANGED', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db');
    await createDbSnapshot(clients, R, 'db', 'shared', { owner: 'team-b' });
    await shareSnapshot(clients, R, 'instance', 'shared', ['all', '111122223333']);
    const deps = testDeps(clients, { policy: testPolicy({ types: { 'rds-snapshot': { mode: 'quarantine' } } }) });
    const result = await processEvent(created('shared'), deps);
    expect(result.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    expect(await restoreOf('shared')).toEqual([]);
    expect(tagsOf(await snapshot('shared'))).toMatchObject({
      owner: 'team-b',
      'cmk-sentinel:quarantine': 'PUBLIC_SNAPSHOT',
    });
    expect(await snapshot('shared-cmk')).toBeUndefined();
    const again = await processEvent(created('shared'), deps);
    expect(again.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'QUARANTINE', result: 'UNCHANGED' });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('a snapshot deleted before the event arrives is NOT_APPLICABLE', async () => {
    const deps = testDeps(emu.clients());
    const result = await processEvent(created('never-there'), deps);
    expect(result.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE', action: 'NONE' });
    expect(deps.alerts.alerts).toHaveLength(0);
  });

  it('an exempt snapshot is reported, not touched', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db');
    await createDbSnapshot(clients, R, 'db', 'legal', { 'cmk-sentinel:exempt': 'TEST-EXEMPT' });
    const result = await processEvent(created('legal'), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({ action: 'SKIP_EXEMPT' });
    expect(await snapshot('legal-cmk')).toBeUndefined();
  });
});

describe("cross-region: a snapshot copied into a region must use that region's CMK", () => {
  it("flags a copy made with the source region's key as WRONG_REGION_KEY and re-keys it with the destination CMK", async () => {
    const clients = emu.clients();
    const euCmk = await createKey(clients, EU, 'alias/data-platform');
    await createDbInstance(clients, EU, 'eu-db', { kmsKeyId: euCmk.arn });
    await createDbSnapshot(clients, EU, 'eu-db', 'eu-snap');
    // Copied into us-east-1 keeping the eu-west-1 key (the emulator keeps the source key when none is given). The
    // cross-region source is named by its ARN; this SDK version takes no SourceRegion input (it only presigns a URL).
    await rds(R).send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: `arn:aws:rds:${EU}:123456789012:snapshot:eu-snap`,
        TargetDBSnapshotIdentifier: 'eu-snap-copy',
      }),
    );
    expect((await snapshot('eu-snap-copy'))?.KmsKeyId).toBe(euCmk.arn);
    const deps = testDeps(clients);
    const result = await processEvent(
      rdsEvent(
        'CopyDBSnapshot',
        {
          sourceDBSnapshotIdentifier: `arn:aws:rds:${EU}:123456789012:snapshot:eu-snap`,
          targetDBSnapshotIdentifier: 'eu-snap-copy',
          sourceRegion: EU,
        },
        R,
      ),
      deps,
    );
    // The source, in another region, belongs to that region's stack.
    expect(result.outcomes).toHaveLength(1);
    expect(result.outcomes[0]).toMatchObject({
      ref: { id: 'eu-snap-copy', region: R },
      reason: 'WRONG_REGION_KEY',
      observedKey: euCmk.arn,
      expectedKey: cmk.arn,
      result: 'VERIFIED',
    });
    expect((await snapshot('eu-snap-copy-cmk'))?.KmsKeyId).toBe(cmk.arn);
    // The source in eu-west-1, on its own region's CMK, is compliant there.
    const eu = await processEvent(rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'eu-snap' }, EU), deps);
    expect(eu.outcomes[0]).toMatchObject({ status: 'COMPLIANT', expectedKey: euCmk.arn });
  });

  it("a copy into the region made with that region's CMK is compliant", async () => {
    const clients = emu.clients();
    const euCmk = await createKey(clients, EU, 'alias/data-platform');
    await createDbInstance(clients, EU, 'eu-db', { kmsKeyId: euCmk.arn });
    await createDbSnapshot(clients, EU, 'eu-db', 'eu-snap');
    await rds(R).send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: `arn:aws:rds:${EU}:123456789012:snapshot:eu-snap`,
        TargetDBSnapshotIdentifier: 'eu-snap-good',
        KmsKeyId: cmk.arn,
      }),
    );
    const result = await processEvent(
      rdsEvent(
        'CopyDBSnapshot',
        {
          sourceDBSnapshotIdentifier: `arn:aws:rds:${EU}:123456789012:snapshot:eu-snap`,
          targetDBSnapshotIdentifier: 'eu-snap-good',
        },
        R,
      ),
      testDeps(clients),
    );
    expect(result.outcomes[0]).toMatchObject({ status: 'COMPLIANT', observedKey: cmk.arn });
  });
});

describe('rds-cluster-snapshot rule on the emulator', () => {
  it('re-keys an Aurora cluster snapshot on the AWS-managed key with CopyDBClusterSnapshot', async () => {
    const clients = emu.clients();
    await createDbCluster(clients, R, 'aurora', { encrypted: true });
    await createDbClusterSnapshot(clients, R, 'aurora', 'cs1', { owner: 'team-c' });
    const deps = testDeps(clients);
    const result = await processEvent(clusterCreated('cs1'), deps);
    expect(result.outcomes[0]).toMatchObject({
      ref: { type: 'rds-cluster-snapshot' },
      reason: 'AWS_MANAGED_KEY',
      action: 'REMEDIATE',
      result: 'VERIFIED',
    });
    const copy = await clusterSnapshot('cs1-cmk');
    expect(copy).toMatchObject({ StorageEncrypted: true, KmsKeyId: cmk.arn });
    expect(tagsOf(copy)).toMatchObject({ owner: 'team-c' });
    expect(tagsOf(await clusterSnapshot('cs1'))[SUPERSEDED_TAG]).toBe('cs1-cmk');
    const again = await processEvent(clusterCreated('cs1'), deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', reason: 'SUPERSEDED' });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('deletes the original cluster snapshot only with deleteOriginals on', async () => {
    const clients = emu.clients();
    await createDbCluster(clients, R, 'aurora', { encrypted: true });
    await createDbClusterSnapshot(clients, R, 'aurora', 'cs2');
    const result = await processEvent(
      clusterCreated('cs2'),
      testDeps(clients, { policy: testPolicy({ gates: { deleteOriginals: true } }) }),
    );
    expect(result.outcomes[0]).toMatchObject({ result: 'VERIFIED' });
    expect(await clusterSnapshot('cs2')).toBeUndefined();
    expect((await clusterSnapshot('cs2-cmk'))?.KmsKeyId).toBe(cmk.arn);
  });

  it('quarantines an unencrypted Aurora cluster snapshot (a copy cannot add encryption) and says so', async () => {
    const clients = emu.clients();
    await createDbCluster(clients, R, 'aurora');
    await createDbClusterSnapshot(clients, R, 'aurora', 'plain');
    await shareSnapshot(clients, R, 'cluster', 'plain', ['111122223333']);
    const deps = testDeps(clients);
    const result = await processEvent(clusterCreated('plain'), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'QUARANTINE', result: 'VERIFIED' });
    expect(result.outcomes[0]?.actionDetail).toMatch(
      /^cannot re-encrypt: AWS cannot add encryption .*; quarantined instead: Removed restore sharing \(account 111122223333\)/,
    );
    expect(await clusterSnapshot('plain-cmk')).toBeUndefined();
    const attrs = await rds().send(
      new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: 'plain' }),
    );
    expect(attrs.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.[0]?.AttributeValues).toEqual([]);
    expect(tagsOf(await clusterSnapshot('plain'))['cmk-sentinel:quarantine']).toBe('UNENCRYPTED');
    expect(deps.alerts.alerts[0]?.action.detail).toContain('cannot re-encrypt');
  });

  it('reports an automated cluster snapshot and leaves it alone', async () => {
    const clients = emu.clients();
    await createDbCluster(clients, R, 'aurora');
    const auto = (await rds().send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'automated' })))
      .DBClusterSnapshots?.[0]?.DBClusterSnapshotIdentifier as string;
    const result = await processEvent(clusterCreated(auto), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect(tagsOf(await clusterSnapshot(auto))).toEqual({});
  });

  it('a cluster snapshot that is gone is NOT_APPLICABLE', async () => {
    const result = await processEvent(clusterCreated('gone'), testDeps(emu.clients()));
    expect(result.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
  });
});

describe('listing for the backfill', () => {
  it("lists manual and automated snapshots of both kinds in the scope's region", async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'db');
    await createDbSnapshot(clients, R, 'db', 'one');
    await createDbCluster(clients, R, 'aurora');
    await createDbClusterSnapshot(clients, R, 'aurora', 'two');
    const policy = testPolicy();
    const ctx = { clients, policy, keys: new KeyResolver(clients, policy), scope: { region: R } };
    const collect = async (it: AsyncIterable<string>) => {
      const out: string[] = [];
      for await (const x of it) out.push(x);
      return out.sort();
    };
    expect(await collect(rdsSnapshotRule.list(ctx))).toEqual(['one', expect.stringMatching(/^rds:db-/)]);
    expect(await collect(rdsClusterSnapshotRule.list(ctx))).toEqual(
      expect.arrayContaining(['two', expect.stringMatching(/^rds:aurora-/)]),
    );
  });
});
