import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalise } from '../../../shared/events/normalise';
import { RULES } from '../../../shared/rules/registry';

/** Every sample event of the cross-region types normalises to the resource the rule expects. */
const dir = join(__dirname, '..', '..', '..', 'events');
const expected: Record<string, { type: string; region: string; id: string }> = {
  's3-replication/PutBucketReplication.json': { type: 's3-replication', region: 'us-east-1', id: 'example-data-lake' },
  's3-replication/PutBucketEncryption-destination.json': {
    type: 's3-replication',
    region: 'eu-west-1',
    id: 'to:example-data-lake-eu',
  },
  's3-replication/CreateBucket-destination.json': {
    type: 's3-replication',
    region: 'eu-west-1',
    id: 'to:example-data-lake-eu',
  },
  's3-replication/PutBucketVersioning-destination.json': {
    type: 's3-replication',
    region: 'eu-west-1',
    id: 'to:example-data-lake-eu',
  },
  'rds-read-replica/CreateDBInstanceReadReplica-cross-region.json': {
    type: 'rds-read-replica',
    region: 'eu-west-1',
    id: 'orders-eu',
  },
  'rds-read-replica/CreateDBInstanceReadReplica-same-region.json': {
    type: 'rds-read-replica',
    region: 'us-east-1',
    id: 'orders-r1',
  },
  'rds-backup-replication/StartDBInstanceAutomatedBackupsReplication.json': {
    type: 'rds-backup-replication',
    region: 'eu-west-1',
    id: 'arn:aws:rds:us-east-1:123456789012:db:orders',
  },
  'redshift-snapshot-copy/EnableSnapshotCopy.json': {
    type: 'redshift-snapshot-copy',
    region: 'us-east-1',
    id: 'warehouse',
  },
  'redshift-snapshot-copy/ModifySnapshotCopyRetentionPeriod.json': {
    type: 'redshift-snapshot-copy',
    region: 'us-east-1',
    id: 'warehouse',
  },
  'redshift-snapshot-copy/CreateSnapshotCopyGrant.json': {
    type: 'redshift-snapshot-copy',
    region: 'eu-west-1',
    id: 'grant:warehouse-eu',
  },
  'redshift-snapshot-copy/DeleteSnapshotCopyGrant.json': {
    type: 'redshift-snapshot-copy',
    region: 'eu-west-1',
    id: 'grant:warehouse-eu',
  },
};

describe('cross-region sample events', () => {
  it('every sample file is listed here', () => {
    const files = ['s3-replication', 'rds-read-replica', 'rds-backup-replication', 'redshift-snapshot-copy'].flatMap(
      (d) => readdirSync(join(dir, d)).map((f) => `${d}/${f}`),
    );
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s → its resource', (file, ref) => {
    const n = normalise(JSON.parse(readFileSync(join(dir, file), 'utf8')), RULES);
    expect(n.kind).toBe('resources');
    if (n.kind !== 'resources') return;
    expect(n.refs).toContainEqual({ ...ref, account: '123456789012' });
  });
});
