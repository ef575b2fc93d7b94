import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalise } from '../../../shared/events/normalise';
import { RULES } from '../../../shared/rules/registry';
import { cloudTrailEvent } from '../../../testbed/estates/estate';
import { rdsEvent, redshiftEvent } from '../../../testbed/estates/estate-snapshots';

const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', path), 'utf8'));
// These tests are about the database rules; other rules (e.g. redshift-tls) answer some of the same events.
const DB_TYPES = new Set(['rds-snapshot', 'rds-cluster-snapshot', 'redshift-cluster', 'redshift-snapshot']);
const DB_RULES = RULES.filter((r) => DB_TYPES.has(r.type));
const ids = (event: unknown) => {
  const n = normalise(event, DB_RULES);
  return n.kind === 'resources' ? n.refs.map((r) => `${r.type} ${r.region} ${r.id}`) : n;
};

describe('normalise: database snapshots and Redshift', () => {
  it('reads the real Redshift CreateCluster record (camelCase, no envelope, encrypted: false)', () => {
    const n = normalise(fixture('aws-docs/redshift-CreateCluster.json'), DB_RULES);
    expect(n).toMatchObject({
      kind: 'resources',
      refs: [{ type: 'redshift-cluster', account: '123456789012', region: 'us-east-2', id: 'my-dw-instance' }],
      trigger: {
        eventName: 'CreateCluster',
        source: 'redshift.amazonaws.com',
        actor: 'arn:aws:iam::123456789012:user/Admin',
        eventId: '13ba5550-56ac-405b-900a-8a42b0f43c45',
      },
    });
  });

  it('knows the real RDS CreateDBSnapshot record but it names no snapshot (no requestParameters)', () => {
    expect(normalise(fixture('aws-docs/rds-CreateDBSnapshot.json'), RULES)).toMatchObject({
      kind: 'ignored',
      reason: 'NO_RESOURCE',
      trigger: { actor: 'arn:aws:iam::123456789012:user/Alice' },
    });
  });

  it('tells Redshift CreateCluster from CloudHSM CreateCluster by eventSource', () => {
    const hsm = cloudTrailEvent({
      source: 'aws.cloudhsm',
      eventSource: 'cloudhsm.amazonaws.com',
      eventName: 'CreateCluster',
      region: 'us-east-1',
      requestParameters: { hsmType: 'hsm1.medium', subnetIds: ['subnet-1'] },
    });
    expect(normalise(hsm, RULES)).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_EVENT' });
  });

  it.each<[string, unknown, string[]]>([
    [
      'CreateDBSnapshot',
      rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'nightly', dBInstanceIdentifier: 'db' }, 'us-east-1'),
      ['rds-snapshot us-east-1 nightly'],
    ],
    [
      'ModifyDBSnapshotAttribute',
      rdsEvent(
        'ModifyDBSnapshotAttribute',
        { dBSnapshotIdentifier: 'nightly', attributeName: 'restore', valuesToAdd: ['all'] },
        'us-east-1',
      ),
      ['rds-snapshot us-east-1 nightly'],
    ],
    [
      'CopyDBSnapshot in-region (source by id)',
      rdsEvent(
        'CopyDBSnapshot',
        { sourceDBSnapshotIdentifier: 'nightly', targetDBSnapshotIdentifier: 'nightly-copy' },
        'us-east-1',
      ),
      ['rds-snapshot us-east-1 nightly-copy', 'rds-snapshot us-east-1 nightly'],
    ],
    [
      'CopyDBSnapshot in-region (source by ARN)',
      rdsEvent(
        'CopyDBSnapshot',
        {
          sourceDBSnapshotIdentifier: 'arn:aws:rds:us-east-1:123456789012:snapshot:nightly',
          targetDBSnapshotIdentifier: 'c',
        },
        'us-east-1',
      ),
      ['rds-snapshot us-east-1 c', 'rds-snapshot us-east-1 nightly'],
    ],
    [
      'CopyDBSnapshot from another region',
      rdsEvent(
        'CopyDBSnapshot',
        {
          sourceDBSnapshotIdentifier: 'arn:aws:rds:eu-west-1:123456789012:snapshot:eu',
          targetDBSnapshotIdentifier: 'eu-copy',
          sourceRegion: 'eu-west-1',
        },
        'us-east-1',
      ),
      ['rds-snapshot us-east-1 eu-copy'],
    ],
    [
      'CreateDBClusterSnapshot',
      rdsEvent(
        'CreateDBClusterSnapshot',
        { dBClusterSnapshotIdentifier: 'cs', dBClusterIdentifier: 'aurora' },
        'eu-west-1',
      ),
      ['rds-cluster-snapshot eu-west-1 cs'],
    ],
    [
      'CopyDBClusterSnapshot',
      rdsEvent(
        'CopyDBClusterSnapshot',
        {
          sourceDBClusterSnapshotIdentifier: 'arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:cs',
          targetDBClusterSnapshotIdentifier: 'cs-2',
        },
        'eu-west-1',
      ),
      ['rds-cluster-snapshot eu-west-1 cs-2', 'rds-cluster-snapshot eu-west-1 cs'],
    ],
    [
      'ModifyDBClusterSnapshotAttribute',
      rdsEvent(
        'ModifyDBClusterSnapshotAttribute',
        { dBClusterSnapshotIdentifier: 'cs', attributeName: 'restore' },
        'eu-west-1',
      ),
      ['rds-cluster-snapshot eu-west-1 cs'],
    ],
    [
      'ModifyCluster with a rename',
      redshiftEvent('ModifyCluster', { clusterIdentifier: 'old', newClusterIdentifier: 'new' }, 'us-east-1'),
      ['redshift-cluster us-east-1 new'],
    ],
    [
      'RestoreFromClusterSnapshot',
      redshiftEvent('RestoreFromClusterSnapshot', { clusterIdentifier: 'dw2', snapshotIdentifier: 's' }, 'us-east-1'),
      ['redshift-cluster us-east-1 dw2'],
    ],
    [
      'CreateClusterSnapshot',
      redshiftEvent('CreateClusterSnapshot', { snapshotIdentifier: 's1', clusterIdentifier: 'dw' }, 'us-east-1'),
      ['redshift-snapshot us-east-1 s1'],
    ],
    [
      'CopyClusterSnapshot',
      redshiftEvent(
        'CopyClusterSnapshot',
        { sourceSnapshotIdentifier: 'rs:dw-auto', targetSnapshotIdentifier: 'kept' },
        'us-east-1',
      ),
      ['redshift-snapshot us-east-1 kept'],
    ],
    [
      'AuthorizeSnapshotAccess by ARN',
      redshiftEvent(
        'AuthorizeSnapshotAccess',
        {
          snapshotArn: 'arn:aws:redshift:us-east-1:123456789012:snapshot:dw/s1',
          accountWithRestoreAccess: '111122223333',
        },
        'us-east-1',
      ),
      ['redshift-snapshot us-east-1 s1'],
    ],
  ])('%s names the right resources', (_label, event, expected) => {
    expect(ids(event)).toEqual(expected);
  });

  it.each([
    ['AWS::RDS::DBSnapshot', 'rds-snapshot'],
    ['AWS::RDS::DBClusterSnapshot', 'rds-cluster-snapshot'],
    ['AWS::Redshift::Cluster', 'redshift-cluster'],
    ['AWS::Redshift::ClusterSnapshot', 'redshift-snapshot'],
  ])('a Config item for %s goes to %s', (resourceType, type) => {
    const n = normalise(
      {
        'detail-type': 'Config Configuration Item Change',
        source: 'aws.config',
        account: '123456789012',
        region: 'us-east-1',
        id: 'e1',
        detail: {
          configurationItem: {
            resourceType,
            resourceId: 'x1',
            resourceName: 'x1',
            awsRegion: 'us-east-1',
            awsAccountId: '123456789012',
          },
        },
      },
      RULES,
    );
    expect(n).toMatchObject({ kind: 'resources', refs: [{ type, id: 'x1' }] });
  });
});

describe('events/ samples for the database types', () => {
  const root = join(__dirname, '..', '..', '..', 'events');
  for (const type of ['rds-snapshot', 'rds-cluster-snapshot', 'redshift-cluster', 'redshift-snapshot']) {
    for (const file of readdirSync(join(root, type))) {
      it(`${type}/${file} ${file.includes('ignored') ? 'is ignored' : `names a ${type}`}`, () => {
        const n = normalise(JSON.parse(readFileSync(join(root, type, file), 'utf8')), RULES);
        if (file.includes('ignored')) expect(n).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_EVENT' });
        else
          expect(n).toMatchObject({
            kind: 'resources',
            refs: expect.arrayContaining([expect.objectContaining({ type })]),
          });
      });
    }
  }
});
