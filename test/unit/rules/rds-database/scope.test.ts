import { fitTags } from '../../../../shared/aws/rds-tags';
import { isAwsBackup } from '../../../../shared/rules/rds-snapshot/api';
import {
  evaluateRdsSnapshot,
  rdsSnapshotLimits,
  type RdsSnapshotState,
} from '../../../../shared/rules/rds-snapshot/evaluate';
import { routeReencryption } from '../../../../shared/workflows/rds-reencrypt/route';
import { testPolicy } from '../../../support/harness';

const CMK = { arn: 'arn:aws:kms:us-east-1:123456789012:key/cmk', region: 'us-east-1', account: '123456789012' };

describe('AWS Backup snapshots', () => {
  it('are told by SnapshotType awsbackup or a ":" in the id (other than rds:)', () => {
    expect(isAwsBackup('awsbackup', 'awsbackup:job-1234')).toBe(true);
    expect(isAwsBackup(undefined, 'awsbackup:job-1234')).toBe(true);
    expect(isAwsBackup('automated', 'rds:orders-2026-12-01-00-00')).toBe(false);
    expect(isAwsBackup('manual', 'orders-before-upgrade')).toBe(false);
  });

  it('are reported with their reason and never copied or quarantined', () => {
    const s: RdsSnapshotState = {
      kind: 'instance',
      id: 'awsbackup:job-1234',
      arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-1234',
      region: 'us-east-1',
      automated: false,
      awsBackup: true,
      status: 'available',
      encrypted: false,
      restoreShares: [],
      tags: {},
    };
    const finding = evaluateRdsSnapshot(s, {
      cmk: CMK,
      region: 'us-east-1',
      policy: testPolicy(),
    } as unknown as Parameters<typeof evaluateRdsSnapshot>[1]);
    expect(finding).toMatchObject({ status: 'NON_COMPLIANT', reason: 'UNENCRYPTED' });
    expect(finding.detail).toMatch(/AWS Backup recovery point, managed by AWS Backup/);
    const limits = rdsSnapshotLimits(s);
    expect(limits.remediate).toMatch(/belongs to AWS Backup; re-encrypt the source .* reported, not copied/);
    expect(limits.quarantine).toBe(limits.remediate);
  });
});

describe('fitTags (RDS: 50 tags per resource)', () => {
  it('keeps the service’s own tags, leaves aws: tags and the last user tags (key order) off, and names them', () => {
    const user = Object.fromEntries([...Array.from({ length: 50 }, (_, i) => [`k${i + 10}`, 'v']), ['aws:x', 'y']]);
    const { tags, dropped } = fitTags(user, { own1: 'a', own2: 'b' });
    expect(tags).toHaveLength(50);
    expect(tags.slice(-2)).toEqual([
      { Key: 'own1', Value: 'a' },
      { Key: 'own2', Value: 'b' },
    ]);
    expect(dropped).toEqual(['k58', 'k59']);
    expect(tags.some((t) => t.Key.startsWith('aws:'))).toBe(false);
    expect(fitTags({ a: '1' }, { own: 'x' })).toEqual({
      tags: [
        { Key: 'a', Value: '1' },
        { Key: 'own', Value: 'x' },
      ],
      dropped: [],
    });
  });
});

describe('route: backtracking', () => {
  it('an Aurora MySQL cluster with backtracking takes the restore (green would not support it)', () => {
    const r = routeReencryption({
      kind: 'cluster',
      engine: 'aurora-mysql',
      engineVersion: '8.0.mysql_aurora.3.05.2',
      region: 'us-east-1',
      backtrack: true,
    });
    expect(r).toMatchObject({ path: 'RESTORE', reason: expect.stringMatching(/backtracking/) });
    expect(r.source).toMatch(/AuroraUserGuide\/blue-green-deployments-considerations/);
  });
});
