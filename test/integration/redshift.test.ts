import {
  AuthorizeSnapshotAccessCommand,
  DescribeClustersCommand,
  DescribeClusterSnapshotsCommand,
  DescribeSnapshotCopyGrantsCommand,
  RedshiftClient,
  RevokeSnapshotAccessCommand,
} from '@aws-sdk/client-redshift';
import { KeyResolver } from '../../shared/kms/key-resolver';
import { processEvent } from '../../shared/pipeline/process';
import { redshiftClusterRule } from '../../shared/rules/redshift-cluster';
import { SUSPENDED_COPY_TAG, SUSPENDED_SINCE_TAG } from '../../shared/rules/redshift-cluster/evaluate';
import { recheckSuspendedCopies } from '../../shared/rules/redshift-cluster/recheck';
import { makeOnChange } from '../../functions/on-change/handler';
import { isRecheckEvent, RECHECK_EVENT } from '../../shared/rules/redshift-cluster/recheck-event';
import { redshiftSnapshotRule } from '../../shared/rules/redshift-snapshot';
import { createKey } from '../../testbed/estates/estate';
import {
  createRedshiftCluster,
  createRedshiftSnapshot,
  enableRedshiftSnapshotCopy,
  redshiftEvent,
} from '../../testbed/estates/estate-snapshots';
import { testDeps, testPolicy, useEmulator, onlyRules } from '../support/harness';

// Other rules answer some of the same calls; this file is about redshift-cluster and redshift-snapshot.
onlyRules('redshift-cluster', 'redshift-snapshot');

const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const redshift = () => emu.clients().get(RedshiftClient, { region: R });
const cluster = async (id: string) =>
  (await redshift().send(new DescribeClustersCommand({ ClusterIdentifier: id }))).Clusters?.[0];
const snapshot = async (id: string) =>
  (await redshift().send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: id }))).Snapshots?.[0];
const tagsOf = (x: { Tags?: { Key?: string; Value?: string }[] } | undefined) =>
  Object.fromEntries((x?.Tags ?? []).map((t) => [t.Key, t.Value]));
const created = (id: string) =>
  redshiftEvent(
    'CreateCluster',
    { clusterIdentifier: id, encrypted: false, nodeType: 'ra3.xlplus', masterUserPassword: '****' },
    R,
  );
const snapshotCreated = (id: string) =>
  redshiftEvent('CreateClusterSnapshot', { snapshotIdentifier: id, clusterIdentifier: 'dw' }, R);

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('redshift-cluster rule on the emulator', () => {
  it('encrypts an unencrypted cluster in place with the CMK ARN, read-only meanwhile, and verifies the key the cluster then reports', async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw');
    const deps = testDeps(clients);
    const result = await processEvent(created('dw'), deps);
    // The emulator (testbed/emulator/redshift_ext.py) finishes the migration at once and reports the KmsKeyId
    // given; on AWS the cluster is "modifying" for hours first (that path:
    // test/unit/rules/db-snapshot-evaluate.test.ts).
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      expectedKey: cmk.arn,
    });
    expect(result.outcomes[0]?.actionDetail).toContain(`KmsKeyId=${cmk.arn}`);
    expect(result.outcomes[0]?.actionDetail).toContain('read-only');
    expect(await cluster('dw')).toMatchObject({ Encrypted: true, KmsKeyId: cmk.arn });
    expect(deps.alerts.alerts[0]).toMatchObject({ action: { taken: 'REMEDIATE', result: 'VERIFIED' } });

    // The event of our own ModifyCluster: compliant now, no second migration, no second alert.
    const again = await processEvent(
      redshiftEvent('ModifyCluster', { clusterIdentifier: 'dw', encrypted: true, kmsKeyId: cmk.arn }, R),
      deps,
    );
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE', observedKey: cmk.arn });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('turns cross-region snapshot copy off for the re-key (AWS requires it), remembering where it went in a tag', async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw');
    await enableRedshiftSnapshotCopy(clients, R, 'dw', 'eu-west-1', 9);
    const result = await processEvent(created('dw'), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'PENDING' });
    expect(result.outcomes[0]?.actionDetail).toContain(
      'cross-region snapshot copy to eu-west-1 turned off for the change',
    );
    const after = await cluster('dw');
    expect(after?.ClusterSnapshotCopyStatus).toBeUndefined();
    expect(after?.Encrypted).toBe(true);
    expect(tagsOf(after)[SUSPENDED_COPY_TAG]).toBe('eu-west-1:9:');
    // While the copy is off the alert says so: the DR gap, since when, and how it ends.
    expect(result.outcomes[0]?.actionDetail).toMatch(
      /DR gap: cross-region snapshot copy to eu-west-1 is off since \d{4}-\d\d-\d\dT.*not copied there/,
    );
    expect(result.outcomes[0]?.actionDetail).toContain('a scheduled re-check every 15 minutes');
    expect(tagsOf(after)[SUSPENDED_SINCE_TAG]).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('the scheduled re-check (no event comes when Redshift finishes) turns the copy back on for exactly the suspended clusters', async () => {
    const clients = emu.clients();
    await createKey(clients, 'eu-west-1', 'alias/data-platform');
    // One re-key finished (on the CMK, copy still off, tagged), one cluster untouched by us.
    await createRedshiftCluster(clients, R, 'done', {
      kmsKeyId: cmk.arn,
      tags: { [SUSPENDED_COPY_TAG]: 'eu-west-1:9:', [SUSPENDED_SINCE_TAG]: '2026-11-27T09:00:00.000Z' },
    });
    await createRedshiftCluster(clients, R, 'other');
    const deps = testDeps(clients, { policy: testPolicy({ regions: [R, 'eu-west-1'] }) });
    expect(isRecheckEvent(RECHECK_EVENT)).toBe(true);
    // Through the handler, as the schedule delivers it.
    const result = await makeOnChange(() => deps)(RECHECK_EVENT);
    expect(result.outcomes.map((o) => o.ref.id)).toEqual(['done']);
    expect(result.outcomes[0]).toMatchObject({
      reason: 'SNAPSHOT_COPY_SUSPENDED',
      result: 'VERIFIED',
      detail: expect.stringContaining('off since 2026-11-27T09:00:00.000Z'),
    });
    expect(result.outcomes[0]?.actionDetail).toContain(
      'snapshots taken since 2026-11-27T09:00:00.000Z were not copied',
    );
    expect((await cluster('done'))?.ClusterSnapshotCopyStatus).toMatchObject({
      DestinationRegion: 'eu-west-1',
      RetentionPeriod: 9,
    });
    expect(tagsOf(await cluster('done'))[SUSPENDED_SINCE_TAG]).toBeUndefined();
    expect(deps.alerts.alerts.map((a) => a.resource.id)).toEqual(['done']);
    // Nothing left suspended: the next tick finds nothing and says nothing.
    expect((await recheckSuspendedCopies(deps, R)).outcomes).toEqual([]);
  });

  it("once the cluster reports the CMK, turns the suspended copy back on with a grant for the destination's CMK and drops the tag", async () => {
    const clients = emu.clients();
    const euCmk = await createKey(clients, 'eu-west-1', 'alias/data-platform');
    // The state a finished re-key leaves: on the CMK, copy off, the tag saying where it went.
    await createRedshiftCluster(clients, R, 'dw', {
      kmsKeyId: cmk.arn,
      tags: { [SUSPENDED_COPY_TAG]: 'eu-west-1:9:' },
    });
    const deps = testDeps(clients, { policy: testPolicy({ regions: [R, 'eu-west-1'] }) });
    const first = await processEvent(created('dw'), deps);
    expect(first.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'SNAPSHOT_COPY_SUSPENDED',
      action: 'REMEDIATE',
      result: 'VERIFIED',
    });
    const after = await cluster('dw');
    expect(after?.ClusterSnapshotCopyStatus).toMatchObject({ DestinationRegion: 'eu-west-1', RetentionPeriod: 9 });
    expect(tagsOf(after)[SUSPENDED_COPY_TAG]).toBeUndefined();
    const grantName = after?.ClusterSnapshotCopyStatus?.SnapshotCopyGrantName as string;
    const grants = await emu
      .clients()
      .get(RedshiftClient, { region: 'eu-west-1' })
      .send(new DescribeSnapshotCopyGrantsCommand({ SnapshotCopyGrantName: grantName }));
    expect(
      await new KeyResolver(clients, deps.policy).resolve(
        grants.SnapshotCopyGrants?.[0]?.KmsKeyId as string,
        'eu-west-1',
      ),
    ).toMatchObject({ arn: euCmk.arn });
    // Its own change, delivered again: nothing more to do.
    const again = await processEvent(created('dw'), deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
  });

  it('in quarantine mode a suspended copy is reported, never quarantined: the data is already under the CMK', async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw', { kmsKeyId: cmk.arn, tags: { [SUSPENDED_COPY_TAG]: 'eu-west-1::' } });
    const result = await processEvent(created('dw'), testDeps(clients, { policy: testPolicy({ mode: 'quarantine' }) }));
    expect(result.outcomes[0]).toMatchObject({ reason: 'SNAPSHOT_COPY_SUSPENDED', action: 'REPORT' });
    expect(result.outcomes[0]?.actionDetail).toContain('only the suspended snapshot copy needs turning back on');
    expect(tagsOf(await cluster('dw'))[testPolicy().doc.quarantineTag]).toBeUndefined();
  });

  it('a cluster on the default AWS-owned key (Encrypted, no KmsKeyId) is re-keyed to the CMK, not stuck as KEY_NOT_REPORTED', async () => {
    await createRedshiftCluster(emu.clients(), R, 'dflt', { encrypted: true });
    expect((await cluster('dflt'))?.KmsKeyId ?? '').toBe('');
    const deps = testDeps(emu.clients());
    const first = await processEvent(created('dflt'), deps);
    // The emulator (testbed/emulator) reports the new KmsKeyId at once; AWS is PENDING until the migration ends.
    // Our tag tells a re-key still unreported from the AWS-owned default (unit:
    // test/unit/rules/aws-owned-default.test.ts).
    expect(first.outcomes[0]).toMatchObject({ reason: 'AWS_OWNED_KEY', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(tagsOf(await cluster('dflt'))['cmk-sentinel:rekey-requested']).toBe(cmk.arn);
    expect((await cluster('dflt'))?.KmsKeyId).toBe(cmk.arn);
    const again = await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'dflt' }, R), deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
  });

  it('asks a cluster on another customer key to move to the CMK', async () => {
    const clients = emu.clients();
    const other = await createKey(clients, R);
    await createRedshiftCluster(clients, R, 'dw', { kmsKeyId: other.arn });
    const result = await processEvent(created('dw'), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({
      reason: 'WRONG_KEY',
      observedKey: other.arn,
      action: 'REMEDIATE',
      result: 'VERIFIED',
    });
    expect((await cluster('dw'))?.KmsKeyId).toBe(cmk.arn);
  });

  it('treats a cluster on the CMK (alias, alias ARN, key id, key ARN) as compliant', async () => {
    const clients = emu.clients();
    const forms = {
      alias: 'alias/data-platform',
      'alias-arn': `arn:aws:kms:${R}:123456789012:alias/data-platform`,
      id: cmk.keyId,
      arn: cmk.arn,
    };
    for (const [name, ref] of Object.entries(forms)) {
      await createRedshiftCluster(clients, R, `dw-${name}`, { kmsKeyId: ref });
      const deps = testDeps(clients);
      const result = await processEvent(created(`dw-${name}`), deps);
      expect(result.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE', observedKey: cmk.arn });
      expect(deps.alerts.alerts).toHaveLength(0);
    }
  });

  it('quarantine tags the cluster and makes it not publicly accessible, data untouched; a re-run is UNCHANGED', async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw', { publiclyAccessible: true, tags: { owner: 'bi' } });
    const deps = testDeps(clients, { policy: testPolicy({ types: { 'redshift-cluster': { mode: 'quarantine' } } }) });
    const result = await processEvent(created('dw'), deps);
    expect(result.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    const after = await cluster('dw');
    expect(after).toMatchObject({ PubliclyAccessible: false, Encrypted: false });
    expect(tagsOf(after)).toMatchObject({ owner: 'bi', 'cmk-sentinel:quarantine': 'UNENCRYPTED' });
    const again = await processEvent(created('dw'), deps);
    expect(again.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'UNCHANGED' });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('report mode changes nothing', async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw');
    const result = await processEvent(created('dw'), testDeps(clients, { policy: testPolicy({ mode: 'report' }) }));
    expect(result.outcomes[0]).toMatchObject({ action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect((await cluster('dw'))?.Encrypted).toBe(false);
  });

  it('a cluster that is gone is NOT_APPLICABLE', async () => {
    const result = await processEvent(created('nope'), testDeps(emu.clients()));
    expect(result.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
  });
});

describe('redshift-snapshot rule on the emulator', () => {
  it('cannot re-key an unencrypted manual snapshot: quarantines it instead and says why; a re-run is UNCHANGED', async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw');
    await createRedshiftSnapshot(clients, R, 'dw', 'before-migration');
    const deps = testDeps(clients);
    const result = await processEvent(snapshotCreated('before-migration'), deps);
    expect(result.outcomes[0]).toMatchObject({
      ref: { type: 'redshift-snapshot' },
      reason: 'UNENCRYPTED',
      action: 'QUARANTINE',
      result: 'VERIFIED',
    });
    expect(result.outcomes[0]?.actionDetail).toMatch(
      /^cannot re-encrypt: Redshift has no API that re-encrypts .*; quarantined instead: Tagged cmk-sentinel:quarantine=UNENCRYPTED/,
    );
    expect(tagsOf(await snapshot('before-migration'))['cmk-sentinel:quarantine']).toBe('UNENCRYPTED');
    const again = await processEvent(snapshotCreated('before-migration'), deps);
    expect(again.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'UNCHANGED' });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('a snapshot of a cluster on the CMK is compliant (key read from its cluster: the emulator reports none on snapshots)', async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw', { kmsKeyId: cmk.arn });
    await createRedshiftSnapshot(clients, R, 'dw', 'good');
    const result = await processEvent(snapshotCreated('good'), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({ status: 'COMPLIANT', observedKey: cmk.arn });
  });

  it('reports an automated snapshot and leaves it alone', async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw');
    const auto = (
      await redshift().send(new DescribeClusterSnapshotsCommand({ ClusterIdentifier: 'dw', SnapshotType: 'automated' }))
    ).Snapshots?.[0]?.SnapshotIdentifier as string;
    expect(auto).toBeDefined();
    const result = await processEvent(snapshotCreated(auto), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect(result.outcomes[0]?.actionDetail).toContain('automated snapshot');
    expect(tagsOf(await snapshot(auto))).toEqual({});
  });

  // Snapshot sharing comes from the emulator extension (testbed/emulator/redshift_ext.py,
  // https://docs.aws.amazon.com/redshift/latest/APIReference/API_RevokeSnapshotAccess.html).
  it("quarantine revokes every account's restore access and tags", async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw');
    await createRedshiftSnapshot(clients, R, 'dw', 's1');
    for (const account of ['111122223333', '444455556666'])
      await redshift().send(
        new AuthorizeSnapshotAccessCommand({
          SnapshotIdentifier: 's1',
          SnapshotClusterIdentifier: 'dw',
          AccountWithRestoreAccess: account,
        }),
      );
    expect((await snapshot('s1'))?.AccountsWithRestoreAccess?.map((a) => a.AccountId)).toEqual([
      '111122223333',
      '444455556666',
    ]);
    const result = await processEvent(
      redshiftEvent(
        'AuthorizeSnapshotAccess',
        { snapshotIdentifier: 's1', accountWithRestoreAccess: '444455556666' },
        R,
      ),
      testDeps(clients),
    );
    expect(result.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'QUARANTINE', result: 'VERIFIED' });
    expect(result.outcomes[0]?.detail).toContain('restorable by 111122223333, 444455556666');
    expect(result.outcomes[0]?.actionDetail).toContain('Revoked restore access for 111122223333, 444455556666');
    const after = await snapshot('s1');
    expect(after?.AccountsWithRestoreAccess ?? []).toEqual([]);
    expect(tagsOf(after)['cmk-sentinel:quarantine']).toBe('UNENCRYPTED');
  });

  it('snapshot sharing refuses what the API reference states: unknown snapshot, repeated or unknown account', async () => {
    await createRedshiftCluster(emu.clients(), R, 'dw');
    await createRedshiftSnapshot(emu.clients(), R, 'dw', 's1');
    const share = (AccountWithRestoreAccess: string, SnapshotIdentifier = 's1') =>
      redshift().send(new AuthorizeSnapshotAccessCommand({ SnapshotIdentifier, AccountWithRestoreAccess }));
    await share('111122223333');
    await expect(share('111122223333')).rejects.toMatchObject({ name: 'AuthorizationAlreadyExistsFault' });
    await expect(share('111122223333', 'nope')).rejects.toMatchObject({
      name: 'ClusterSnapshotNotFoundFault',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(
      redshift().send(
        new RevokeSnapshotAccessCommand({ SnapshotIdentifier: 's1', AccountWithRestoreAccess: '999999999999' }),
      ),
    ).rejects.toMatchObject({ name: 'AuthorizationNotFoundFault', $metadata: { httpStatusCode: 404 } });
    await redshift().send(
      new RevokeSnapshotAccessCommand({
        SnapshotArn: `arn:aws:redshift:${R}:123456789012:snapshot:dw/s1`,
        AccountWithRestoreAccess: '111122223333',
      }),
    );
    expect((await snapshot('s1'))?.AccountsWithRestoreAccess ?? []).toEqual([]);
  });

  it('a snapshot that is gone is NOT_APPLICABLE', async () => {
    const result = await processEvent(snapshotCreated('nope'), testDeps(emu.clients()));
    expect(result.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
  });
});

describe('listing for the backfill', () => {
  it("lists clusters and snapshots (manual and automated) in the scope's region", async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'dw-a');
    await createRedshiftCluster(clients, R, 'dw-b');
    await createRedshiftSnapshot(clients, R, 'dw-a', 'manual-1');
    await createRedshiftCluster(clients, 'eu-west-1', 'dw-eu');
    const policy = testPolicy();
    const ctx = { clients, policy, keys: new KeyResolver(clients, policy), scope: { region: R } };
    const collect = async (it: AsyncIterable<string>) => {
      const out: string[] = [];
      for await (const x of it) out.push(x);
      return out.sort();
    };
    expect(await collect(redshiftClusterRule.list(ctx))).toEqual(['dw-a', 'dw-b']);
    const snaps = await collect(redshiftSnapshotRule.list(ctx));
    expect(snaps).toContain('manual-1');
    expect(snaps.length).toBeGreaterThan(1);
  });
});
