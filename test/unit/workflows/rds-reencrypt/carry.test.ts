import type { RdsConfig } from '../../../../shared/rules/rds-database/evaluate';
import {
  clusterRestoreSettings,
  instanceAfterRestore,
  instanceRestoreSettings,
  operatorChecklist,
  restoreDifferences,
} from '../../../../shared/workflows/rds-reencrypt/carry';

const CMK = 'arn:aws:kms:us-east-1:123456789012:key/cmk';
const base: RdsConfig = { securityGroupIds: [], engine: 'mysql' };

describe('carry: restore members', () => {
  it('passes gp3 IOPS and throughput only from the size where gp3 takes them (400 GiB; Oracle 200)', () => {
    const gp3 = { ...base, storageType: 'gp3', iops: 12000, storageThroughput: 500 };
    expect(instanceRestoreSettings({ ...gp3, allocatedStorage: 100 })).toMatchObject({ StorageType: 'gp3' });
    expect(instanceRestoreSettings({ ...gp3, allocatedStorage: 100 }).Iops).toBeUndefined();
    expect(instanceRestoreSettings({ ...gp3, allocatedStorage: 400 })).toMatchObject({
      Iops: 12000,
      StorageThroughput: 500,
    });
    expect(instanceRestoreSettings({ ...gp3, engine: 'oracle-ee', allocatedStorage: 200 })).toMatchObject({
      Iops: 12000,
    });
    expect(instanceRestoreSettings({ ...base, storageType: 'io2', iops: 5000, storageThroughput: 9 })).toMatchObject({
      StorageType: 'io2',
      Iops: 5000,
    });
    expect(instanceRestoreSettings({ ...base, storageType: 'gp2', iops: 100 }).Iops).toBeUndefined();
  });

  it('leaves empty log exports and a missing domain out; names the directory role with the domain', () => {
    const out = instanceRestoreSettings({ ...base, cloudwatchLogsExports: [] });
    expect(out.EnableCloudwatchLogsExports).toBeUndefined();
    expect('Domain' in out).toBe(false);
    expect(instanceRestoreSettings({ ...base, domain: 'd-1', domainIamRoleName: 'dir' })).toMatchObject({
      Domain: 'd-1',
      DomainIAMRoleName: 'dir',
    });
  });

  it('Aurora: passes the Serverless v2 range and Aurora storage types only', () => {
    expect(
      clusterRestoreSettings({ ...base, serverlessV2: { min: 0.5, max: 8 }, storageType: 'aurora-iopt1' }),
    ).toMatchObject({
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      StorageType: 'aurora-iopt1',
    });
    expect(clusterRestoreSettings({ ...base, storageType: 'gp2', backtrackWindow: 0 })).toMatchObject({
      StorageType: undefined,
      BacktrackWindow: undefined,
    });
  });
});

describe('carry: after the restore', () => {
  it('turns Performance Insights on with the CMK as its key, whatever key the original used', () => {
    const source = {
      ...base,
      performanceInsights: true,
      performanceInsightsKmsKeyId: 'arn:old',
      performanceInsightsRetention: 31,
    };
    expect(instanceAfterRestore(source, base, CMK)).toEqual({
      EnablePerformanceInsights: true,
      PerformanceInsightsKMSKeyId: CMK,
      PerformanceInsightsRetentionPeriod: 31,
    });
    const done = {
      ...base,
      performanceInsights: true,
      performanceInsightsKmsKeyId: CMK,
      performanceInsightsRetention: 31,
    };
    expect(instanceAfterRestore(source, done, CMK)).toEqual({});
  });

  it('sets storage autoscaling and the maintenance window only when they differ', () => {
    const source = { ...base, maxAllocatedStorage: 1000, preferredMaintenanceWindow: 'sun:05:00-sun:05:30' };
    expect(instanceAfterRestore(source, base, CMK)).toEqual({
      MaxAllocatedStorage: 1000,
      PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
    });
    expect(instanceAfterRestore(source, source, CMK)).toEqual({});
  });
});

describe('carry: verify and report', () => {
  it('lists each setting that differs, the PI key against the CMK, and missing roles', () => {
    const source: RdsConfig = {
      ...base,
      cloudwatchLogsExports: ['slowquery', 'error'],
      caCertificate: 'rds-ca-rsa4096-g1',
      performanceInsights: true,
      iamRoles: [{ roleArn: 'arn:role/s3', featureName: 'S3_INTEGRATION' }],
    };
    const target: RdsConfig = {
      ...base,
      cloudwatchLogsExports: ['error', 'slowquery'],
      caCertificate: 'rds-ca-rsa2048-g1',
      performanceInsights: true,
      performanceInsightsKmsKeyId: 'arn:aws-managed',
    };
    expect(restoreDifferences('instance', source, target, CMK)).toEqual([
      'caCertificate: rds-ca-rsa4096-g1 -> rds-ca-rsa2048-g1',
      `performanceInsightsKmsKeyId: expected the CMK ${CMK} -> arn:aws-managed`,
      'iamRoles: missing arn:role/s3#S3_INTEGRATION',
    ]);
  });

  it('Aurora: the writer and the Serverless v2 range are compared', () => {
    const source: RdsConfig = {
      ...base,
      serverlessV2: { min: 0.5, max: 16 },
      members: [
        { id: 'a', instanceClass: 'db.serverless', writer: false },
        { id: 'b', instanceClass: 'db.r6g.large', writer: true },
      ],
    };
    const target: RdsConfig = {
      ...base,
      members: [
        { id: 'a-cmk', instanceClass: 'db.serverless', writer: true },
        { id: 'b-cmk', instanceClass: 'db.r6g.large', writer: false },
      ],
    };
    expect(restoreDifferences('cluster', source, target, CMK)).toEqual([
      'serverlessV2: 0.5-16 ACU -> (none)',
      'members (class, * = writer): db.serverless,db.r6g.large* -> db.serverless*,db.r6g.large',
    ]);
  });

  it('names the old and new resource ids for IAM database auth, the secret, alarms and the replicas to move', () => {
    const todo = operatorChecklist(
      'instance',
      { ...base, iamAuth: true, resourceId: 'db-OLD', managedMasterSecret: true, readReplicas: ['r1'] },
      { ...base, resourceId: 'db-NEW' },
    );
    expect(todo).toEqual([
      "IAM database-auth policies: rds-db:connect names the resource id db-OLD; the copy's is db-NEW",
      expect.stringMatching(/^the master-user secret: the original keeps its Secrets Manager secret/),
      'CloudWatch alarms, event subscriptions and dashboards on the original identifier',
      'read replicas r1 replicate from the original: re-create them from the copy',
    ]);
  });
});
