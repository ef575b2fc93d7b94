import type { KeyInfo, ObservedKey } from '../../../shared/kms/key-resolver';
import {
  copyIdFor,
  evaluateRdsSnapshot,
  type RdsSnapshotState,
  rdsSnapshotLimits,
  SUPERSEDED_TAG,
} from '../../../shared/rules/rds-snapshot/evaluate';
import {
  evaluateRedshiftCluster,
  parseSuspendedCopy,
  redshiftClusterLimits,
  REKEY_REQUESTED_TAG,
  type RedshiftClusterState,
  suspendedCopyTag,
} from '../../../shared/rules/redshift-cluster/evaluate';
import {
  evaluateRedshiftSnapshot,
  type RedshiftSnapshotState,
  redshiftSnapshotLimits,
} from '../../../shared/rules/redshift-snapshot/evaluate';
import { testPolicy } from '../../support/harness';

const R = 'us-east-1';
const CMK: KeyInfo = {
  arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`,
  keyId: 'cmk-1',
  region: R,
  account: '123456789012',
  managedBy: 'CUSTOMER',
};
const ctx = { region: R, cmk: CMK, policy: testPolicy() };
const gated = { ...ctx, policy: testPolicy({ gates: { deleteOriginals: true } }) };
const observed = (ref: string, info?: Partial<KeyInfo>): ObservedKey => ({
  ref,
  info: info ? { ...CMK, ...info } : undefined,
});

/** Every way a key can be named, and what it should be judged as. */
const KEY_FORMS: [string, ObservedKey | undefined, string | undefined][] = [
  ['no key id reported', undefined, 'AWS_MANAGED_KEY'],
  ['the AWS-managed alias', observed('alias/aws/rds', { managedBy: 'AWS', arn: 'alias/aws/rds' }), 'AWS_MANAGED_KEY'],
  [
    'an AWS-managed key by ARN',
    observed(`arn:aws:kms:${R}:123456789012:key/aws-1`, {
      managedBy: 'AWS',
      arn: `arn:aws:kms:${R}:123456789012:key/aws-1`,
    }),
    'AWS_MANAGED_KEY',
  ],
  ['a key that does not exist', observed('nope'), 'UNKNOWN_KEY'],
  ['another customer key', observed('other', { arn: `arn:aws:kms:${R}:123456789012:key/other` }), 'WRONG_KEY'],
  [
    'the CMK alias of another region',
    observed('arn:aws:kms:eu-west-1:123456789012:alias/data-platform', {
      arn: 'arn:aws:kms:eu-west-1:123456789012:key/eu',
      region: 'eu-west-1',
    }),
    'WRONG_REGION_KEY',
  ],
  ['the CMK by alias name', observed('alias/data-platform', {}), undefined],
  ['the CMK by alias ARN', observed(`arn:aws:kms:${R}:123456789012:alias/data-platform`, {}), undefined],
  ['the CMK by key id', observed('cmk-1', {}), undefined],
  ['the CMK by key ARN', observed(CMK.arn, {}), undefined],
];

const snap = (over: Partial<RdsSnapshotState> = {}): RdsSnapshotState => ({
  kind: 'instance',
  id: 'nightly',
  arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:nightly',
  region: R,
  automated: false,
  status: 'available',
  encrypted: true,
  observedKey: observed(CMK.arn, {}),
  restoreShares: [],
  tags: {},
  ...over,
});
const goodCopy = { id: 'nightly-cmk', status: 'available', encrypted: true, observedKey: observed(CMK.arn, {}) };

describe('evaluateRdsSnapshot', () => {
  it.each(KEY_FORMS)('an encrypted manual snapshot with %s', (_label, key, reason) => {
    const f = evaluateRdsSnapshot(snap({ observedKey: key }), ctx);
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
    expect(f.expectedKey).toBe(CMK.arn);
  });

  it.each(['instance', 'cluster'] as const)(
    'an unencrypted %s snapshot is UNENCRYPTED and shows no key (whatever id the API echoes)',
    (kind) => {
      const f = evaluateRdsSnapshot(snap({ kind, encrypted: false, observedKey: observed('default_kms_key_id') }), ctx);
      expect(f).toMatchObject({ status: 'NON_COMPLIANT', reason: 'UNENCRYPTED', observedKey: undefined });
      expect(f.detail).toContain(kind === 'cluster' ? 'DB cluster snapshot nightly' : 'DB snapshot nightly');
    },
  );

  it('a public snapshot is non-compliant even on the CMK, and the detail names the key problem too', () => {
    expect(evaluateRdsSnapshot(snap({ restoreShares: ['all'] }), ctx)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'PUBLIC_SNAPSHOT',
    });
    const both = evaluateRdsSnapshot(snap({ encrypted: false, restoreShares: ['111122223333', 'all'] }), ctx);
    expect(both.reason).toBe('PUBLIC_SNAPSHOT');
    expect(both.detail).toContain('is not encrypted');
  });

  it("the re-encryption workflow's own unencrypted intermediate is left to the workflow, unless it is public", () => {
    const tags = { 'cmk-sentinel:workflow': 'rds-reencrypt-orders' };
    expect(evaluateRdsSnapshot(snap({ encrypted: false, observedKey: undefined, tags }), ctx)).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'WORKFLOW_INTERMEDIATE',
    });
    expect(
      evaluateRdsSnapshot(snap({ encrypted: false, observedKey: undefined, tags, restoreShares: ['all'] }), ctx),
    ).toMatchObject({ status: 'NON_COMPLIANT', reason: 'PUBLIC_SNAPSHOT' });
    expect(evaluateRdsSnapshot(snap({ encrypted: false, observedKey: undefined }), ctx).status).toBe('NON_COMPLIANT');
  });

  it('sharing with another account alone is not a finding', () => {
    expect(evaluateRdsSnapshot(snap({ restoreShares: ['111122223333'] }), ctx).status).toBe('COMPLIANT');
  });

  it('an original with a verified copy and the superseded tag is COMPLIANT (SUPERSEDED); without the tag it is not', () => {
    const base = { encrypted: false, copy: goodCopy };
    expect(evaluateRdsSnapshot(snap({ ...base, tags: { [SUPERSEDED_TAG]: 'nightly-cmk' } }), ctx)).toMatchObject({
      status: 'COMPLIANT',
      reason: 'SUPERSEDED',
    });
    expect(evaluateRdsSnapshot(snap(base), ctx)).toMatchObject({ status: 'NON_COMPLIANT', reason: 'UNENCRYPTED' });
  });

  it('with deleteOriginals on, a superseded original stays non-compliant so it gets deleted', () => {
    const f = evaluateRdsSnapshot(
      snap({ encrypted: false, copy: goodCopy, tags: { [SUPERSEDED_TAG]: 'nightly-cmk' } }),
      gated,
    );
    expect(f).toMatchObject({ status: 'NON_COMPLIANT', reason: 'UNENCRYPTED' });
    expect(f.detail).toContain('policy deletes originals');
  });

  it.each<[string, Partial<typeof goodCopy>]>([
    ['still copying', { status: 'copying' }],
    ['unencrypted', { encrypted: false }],
    ['on another key', { observedKey: observed('other', { arn: `arn:aws:kms:${R}:123456789012:key/other` }) }],
    [
      'on the key of another region',
      { observedKey: observed('x', { arn: 'arn:aws:kms:eu-west-1:123456789012:key/eu', region: 'eu-west-1' }) },
    ],
  ])('a copy that is %s does not supersede the original', (_label, copy) => {
    const f = evaluateRdsSnapshot(
      snap({ encrypted: false, copy: { ...goodCopy, ...copy }, tags: { [SUPERSEDED_TAG]: 'nightly-cmk' } }),
      ctx,
    );
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('an automated snapshot is judged like any other but says it follows its database', () => {
    const f = evaluateRdsSnapshot(snap({ id: 'rds:db-2026-11-27-10-00', automated: true, encrypted: false }), ctx);
    expect(f).toMatchObject({ status: 'NON_COMPLIANT', reason: 'UNENCRYPTED' });
    expect(f.detail).toContain('automated snapshot');
    expect(evaluateRdsSnapshot(snap({ automated: true }), ctx).status).toBe('COMPLIANT');
  });

  it('limits: automated → neither action; unencrypted cluster → no re-encrypt; otherwise none', () => {
    expect(rdsSnapshotLimits(snap({ automated: true }))).toEqual({
      remediate: expect.stringContaining('automated'),
      quarantine: expect.stringContaining('automated'),
    });
    expect(rdsSnapshotLimits(snap({ kind: 'cluster', encrypted: false }))).toEqual({
      remediate: expect.stringContaining('cannot add encryption'),
    });
    expect(rdsSnapshotLimits(snap({ kind: 'cluster' }))).toEqual({});
    expect(rdsSnapshotLimits(snap({ encrypted: false }))).toEqual({});
  });

  it('names the copy deterministically and validly', () => {
    expect(copyIdFor('nightly')).toBe('nightly-cmk');
    expect(copyIdFor('rds:db-2026-11-27-10-00')).toBe('db-2026-11-27-10-00-cmk');
    const long = copyIdFor(`${'a'.repeat(250)}-b-c`);
    expect(long.length).toBeLessThanOrEqual(255);
    expect(long).not.toMatch(/--/);
  });
});

const cluster = (over: Partial<RedshiftClusterState> = {}): RedshiftClusterState => ({
  id: 'dw',
  arn: 'arn:aws:redshift:us-east-1:123456789012:cluster:dw',
  region: R,
  status: 'available',
  encrypted: true,
  keyRef: CMK.arn,
  observedKey: observed(CMK.arn, {}),
  encryptionPending: false,
  publiclyAccessible: false,
  tags: {},
  ...over,
});

describe('evaluateRedshiftCluster', () => {
  it.each(KEY_FORMS.filter(([, k]) => k !== undefined))('an encrypted cluster with %s', (_label, key, reason) => {
    const f = evaluateRedshiftCluster(cluster({ observedKey: key, keyRef: key?.ref }), ctx);
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
  });

  it('decides "encrypted" from the flag: unencrypted even when a key id is echoed', () => {
    expect(evaluateRedshiftCluster(cluster({ encrypted: false }), ctx)).toMatchObject({
      reason: 'UNENCRYPTED',
      observedKey: undefined,
    });
  });

  // Issue 15 point 6: an encrypted cluster reporting no key is on the default AWS-owned key (re-keyed), and only a
  // cluster this service asked to re-key (its tag) waits as KEY_NOT_REPORTED; neither is ever assumed to be the CMK.
  it('an encrypted cluster whose API reports no key is AWS_OWNED_KEY, or KEY_NOT_REPORTED after our re-key (never assumed to be the CMK)', () => {
    expect(evaluateRedshiftCluster(cluster({ keyRef: undefined, observedKey: undefined }), ctx)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'AWS_OWNED_KEY',
    });
    expect(
      evaluateRedshiftCluster(
        cluster({ keyRef: undefined, observedKey: undefined, tags: { [REKEY_REQUESTED_TAG]: CMK.arn } }),
        ctx,
      ),
    ).toMatchObject({ status: 'NON_COMPLIANT', reason: 'KEY_NOT_REPORTED' });
  });

  it.each<[string, Partial<RedshiftClusterState>]>([
    ['a pending encryption change', { encrypted: false, encryptionPending: true }],
    ['status modifying', { encrypted: false, status: 'modifying' }],
    [
      'status rotating-keys on the wrong key',
      { status: 'rotating-keys', observedKey: observed('other', { arn: `arn:aws:kms:${R}:123456789012:key/other` }) },
    ],
  ])('%s is ENCRYPTION_IN_PROGRESS, not new drift', (_label, over) => {
    expect(evaluateRedshiftCluster(cluster(over), ctx)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'ENCRYPTION_IN_PROGRESS',
    });
  });

  it('a cluster on the CMK that is being modified for another reason stays compliant', () => {
    expect(evaluateRedshiftCluster(cluster({ status: 'modifying' }), ctx).status).toBe('COMPLIANT');
  });

  describe('snapshot copy suspended for the re-key', () => {
    const suspended = { destRegion: 'eu-west-1', retentionPeriod: 9 };
    it('on the CMK with the copy still off: SNAPSHOT_COPY_SUSPENDED, which can only be turned back on, not quarantined', () => {
      const s = cluster({ suspendedCopy: suspended });
      const f = evaluateRedshiftCluster(s, ctx);
      expect(f).toMatchObject({
        status: 'NON_COMPLIANT',
        reason: 'SNAPSHOT_COPY_SUSPENDED',
        observedKey: CMK.arn,
        expectedKey: CMK.arn,
      });
      expect(f.detail).toContain('to eu-west-1');
      expect(redshiftClusterLimits(s, f).quarantine).toMatch(/already under the regional CMK/);
    });
    it("waits for the re-key: still migrating is ENCRYPTION_IN_PROGRESS, still on the wrong key is that key's finding", () => {
      expect(evaluateRedshiftCluster(cluster({ suspendedCopy: suspended, status: 'modifying' }), ctx).reason).toBe(
        'ENCRYPTION_IN_PROGRESS',
      );
      expect(evaluateRedshiftCluster(cluster({ suspendedCopy: suspended, encrypted: false }), ctx).reason).toBe(
        'UNENCRYPTED',
      );
    });
    it('copy already back on (by hand): compliant, the stale tag changes nothing', () => {
      expect(
        evaluateRedshiftCluster(cluster({ suspendedCopy: suspended, snapshotCopy: { destRegion: 'eu-west-1' } }), ctx)
          .status,
      ).toBe('COMPLIANT');
    });
    it('the tag round-trips the copy settings; a value the service did not write is ignored', () => {
      expect(
        parseSuspendedCopy(
          suspendedCopyTag({ destRegion: 'eu-west-1', retentionPeriod: 9, manualRetentionPeriod: -1 }),
        ),
      ).toEqual({ destRegion: 'eu-west-1', retentionPeriod: 9, manualRetentionPeriod: -1 });
      expect(parseSuspendedCopy(suspendedCopyTag({ destRegion: 'ap-southeast-2' }))).toEqual({
        destRegion: 'ap-southeast-2',
        retentionPeriod: undefined,
        manualRetentionPeriod: undefined,
      });
      for (const v of [undefined, '', 'true', 'eu-west-1', 'eu-west-1:x:', 'EU-WEST-1::'])
        expect(parseSuspendedCopy(v)).toBeUndefined();
    });
  });
});

const rsSnap = (over: Partial<RedshiftSnapshotState> = {}): RedshiftSnapshotState => ({
  id: 's1',
  clusterId: 'dw',
  arn: 'arn:aws:redshift:us-east-1:123456789012:snapshot:dw/s1',
  region: R,
  automated: false,
  status: 'available',
  encrypted: true,
  keyRef: CMK.arn,
  keySource: 'snapshot',
  observedKey: observed(CMK.arn, {}),
  sharedWith: [],
  tags: {},
  ...over,
});

describe('evaluateRedshiftSnapshot', () => {
  it.each(KEY_FORMS.filter(([, k]) => k !== undefined))('an encrypted snapshot with %s', (_label, key, reason) => {
    const f = evaluateRedshiftSnapshot(rsSnap({ observedKey: key, keyRef: key?.ref }), ctx);
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
  });

  it('unencrypted and key-not-reported snapshots; the detail names accounts that can restore it', () => {
    const f = evaluateRedshiftSnapshot(rsSnap({ encrypted: false, sharedWith: ['111122223333'] }), ctx);
    expect(f).toMatchObject({ reason: 'UNENCRYPTED' });
    expect(f.detail).toContain('restorable by 111122223333');
    expect(evaluateRedshiftSnapshot(rsSnap({ keyRef: undefined, observedKey: undefined }), ctx).reason).toBe(
      'KEY_NOT_REPORTED',
    );
  });

  it('limits: never re-keyable; automated ones cannot be quarantined either', () => {
    expect(redshiftSnapshotLimits(rsSnap())).toEqual({ remediate: expect.stringContaining('no API') });
    expect(redshiftSnapshotLimits(rsSnap({ automated: true }))).toEqual({
      remediate: expect.stringContaining('no API'),
      quarantine: expect.stringContaining('automated'),
    });
  });
});
