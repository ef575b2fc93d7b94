import type { KeyInfo, ObservedKey } from '../../../../shared/kms/key-resolver';
import {
  evaluateRdsDatabase,
  type RdsDatabaseState,
  type RdsKind,
} from '../../../../shared/rules/rds-database/evaluate';
import { idsFrom } from '../../../../shared/rules/rds-database/meta';
import { rdsClusterRule } from '../../../../shared/rules/rds-cluster';
import { rdsInstanceRule } from '../../../../shared/rules/rds-instance';
import { normalise } from '../../../../shared/events/normalise';
import { RULES } from '../../../../shared/rules/registry';
import { testPolicy } from '../../../support/harness';
import createDb from '../../../fixtures/cloudtrail/event-cloud-trail-create-db.json';
import createDbDocs from '../../../fixtures/aws-docs/rds-CreateDBInstance.json';

const R = 'us-east-1';
const CMK: KeyInfo = {
  arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`,
  keyId: 'cmk-1',
  region: R,
  account: '123456789012',
  managedBy: 'CUSTOMER',
};
const ctx = { region: R, cmk: CMK, policy: testPolicy() };
const observed = (ref: string, info?: Partial<KeyInfo>): ObservedKey => ({
  ref,
  info: info ? { ...CMK, ...info } : undefined,
});

const db = (kind: RdsKind, over: Partial<RdsDatabaseState> = {}): RdsDatabaseState => ({
  kind,
  id: 'orders',
  arn: `arn:aws:rds:${R}:123456789012:${kind === 'instance' ? 'db' : 'cluster'}:orders`,
  region: R,
  account: '123456789012',
  status: 'available',
  storageEncrypted: false,
  tags: {},
  config: { securityGroupIds: [] },
  ...over,
});
const enc = (kind: RdsKind, key: ObservedKey | undefined) =>
  db(kind, { storageEncrypted: true, keyRef: key?.ref, observedKey: key });

describe.each<RdsKind>(['instance', 'cluster'])('evaluateRdsDatabase (%s)', (kind) => {
  it.each<[string, RdsDatabaseState, string | undefined]>([
    ['unencrypted storage', db(kind), 'UNENCRYPTED'],
    ['unencrypted, though the emulator reports a key id', db(kind, { keyRef: 'default_kms_key_id' }), 'UNENCRYPTED'],
    ['encrypted with no key named (aws/rds)', enc(kind, undefined), 'AWS_MANAGED_KEY'],
    [
      'the aws/rds alias',
      enc(kind, observed('alias/aws/rds', { managedBy: 'AWS', arn: 'alias/aws/rds' })),
      'AWS_MANAGED_KEY',
    ],
    [
      'an AWS-managed key by ARN',
      enc(
        kind,
        observed(`arn:aws:kms:${R}:123456789012:key/aws-1`, {
          managedBy: 'AWS',
          arn: `arn:aws:kms:${R}:123456789012:key/aws-1`,
        }),
      ),
      'AWS_MANAGED_KEY',
    ],
    ['a key that does not exist', enc(kind, observed('nope')), 'UNKNOWN_KEY'],
    [
      'another customer key',
      enc(kind, observed('other', { arn: `arn:aws:kms:${R}:123456789012:key/other` })),
      'WRONG_KEY',
    ],
    [
      'the CMK of another region',
      enc(
        kind,
        observed('arn:aws:kms:eu-west-1:123456789012:key/eu', {
          arn: 'arn:aws:kms:eu-west-1:123456789012:key/eu',
          region: 'eu-west-1',
        }),
      ),
      'WRONG_REGION_KEY',
    ],
    ['the CMK by alias name', enc(kind, observed('alias/data-platform', {})), undefined],
    ['the CMK by alias ARN', enc(kind, observed(`arn:aws:kms:${R}:123456789012:alias/data-platform`, {})), undefined],
    ['the CMK by key id', enc(kind, observed('cmk-1', {})), undefined],
    ['the CMK by key ARN', enc(kind, observed(CMK.arn, {})), undefined],
  ])('%s', (_label, state, reason) => {
    const f = evaluateRdsDatabase(state, ctx);
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
    expect(f.expectedKey).toBe(CMK.arn);
  });

  it('a read replica follows its source, whatever its encryption', () => {
    const f = evaluateRdsDatabase(db(kind, { replicaSource: 'orders-primary' }), ctx);
    expect(f).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'READ_REPLICA' });
    expect(f.detail).toMatch(/orders-primary/);
  });

  it('a database being deleted is not worth a workflow', () => {
    expect(evaluateRdsDatabase(db(kind, { status: 'deleting' }), ctx)).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'DELETING',
    });
  });

  it('reports the canonical ARN of the key observed, not the name it was given', () => {
    const f = evaluateRdsDatabase(
      enc(kind, observed('alias/other', { arn: `arn:aws:kms:${R}:123456789012:key/other` })),
      ctx,
    );
    expect(f.observedKey).toBe(`arn:aws:kms:${R}:123456789012:key/other`);
  });
});

describe('Aurora members and CloudTrail ids', () => {
  it('an instance inside an Aurora cluster is judged as its cluster', () => {
    expect(evaluateRdsDatabase(db('instance', { clusterId: 'analytics' }), ctx)).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'CLUSTER_MEMBER',
    });
  });

  it('reads camelCase ids from real CloudTrail records (request and response)', () => {
    const ids = rdsInstanceRule.cloudTrail[0]?.ids;
    expect(ids?.(createDb as unknown as Record<string, unknown>)).toEqual(['onenessdb']);
    expect(ids?.(createDbDocs as unknown as Record<string, unknown>)).toEqual(['test-instance']);
    expect(ids?.({ requestParameters: { dBInstanceIdentifier: 'a', newDBInstanceIdentifier: 'b' } })).toEqual([
      'a',
      'b',
    ]);
    expect(
      ids?.({
        requestParameters: { sourceDBInstanceIdentifier: 'src', targetDBInstanceIdentifier: 'pitr' },
        responseElements: null,
      }),
    ).toEqual(['pitr']);
    expect(rdsClusterRule.cloudTrail[0]?.ids({ requestParameters: { dBClusterIdentifier: 'c' } })).toEqual(['c']);
    expect(idsFrom(['x'])({ requestParameters: 'garbage' })).toEqual([]);
  });

  it('the real CreateDBInstance record, as a bare CloudTrail record, names the instance', () => {
    const n = normalise(createDb, RULES);
    // rds-tls answers the same call (the instance's parameter group); this test is about rds-instance.
    expect(n).toMatchObject({ kind: 'resources' });
    expect(n.kind === 'resources' && n.refs.filter((r) => r.type === 'rds-instance')).toEqual([
      { type: 'rds-instance', id: 'onenessdb', region: 'us-east-1', account: '101010101111' },
    ]);
  });

  it('Config items for RDS types map to the rules', () => {
    const item = (resourceType: string, resourceName: string) => ({
      'detail-type': 'Config Configuration Item Change',
      source: 'aws.config',
      account: '123456789012',
      region: R,
      detail: {
        configurationItem: {
          resourceType,
          resourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
          resourceName,
          awsRegion: R,
          awsAccountId: '123456789012',
        },
      },
    });
    expect(normalise(item('AWS::RDS::DBInstance', 'orders'), RULES)).toMatchObject({
      kind: 'resources',
      refs: [{ type: 'rds-instance', id: 'orders' }],
    });
    expect(normalise(item('AWS::RDS::DBCluster', 'analytics'), RULES)).toMatchObject({
      kind: 'resources',
      refs: [{ type: 'rds-cluster', id: 'analytics' }],
    });
  });
});

describe('events/ samples for the RDS rules', () => {
  const { readdirSync, readFileSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
  const { join } = jest.requireActual<typeof import('node:path')>('node:path');
  const dir = (type: string) => join(__dirname, '..', '..', '..', '..', 'events', type);
  it.each(['rds-instance', 'rds-cluster'])(
    'every %s sample normalises to that type (a failed call is ignored)',
    (type) => {
      const files = readdirSync(dir(type));
      expect(files.length).toBeGreaterThanOrEqual(6);
      for (const f of files) {
        const n = normalise(JSON.parse(readFileSync(join(dir(type), f), 'utf8')), RULES);
        if (f.includes('failed')) expect(n).toMatchObject({ kind: 'ignored', reason: 'FAILED_CALL' });
        else {
          expect({ f, kind: n.kind }).toEqual({ f, kind: 'resources' });
          // Other rules may answer the same call (rds-tls); the sample must reach this one, and only rules of the same
          // service.
          if (n.kind === 'resources')
            expect(
              n.refs.some((r) => r.type === type) && n.refs.every((r) => r.type === type || r.type === 'rds-tls'),
            ).toBe(true);
        }
      }
    },
  );
});

describe('rds-cluster scope: Aurora engines only', () => {
  it.each([
    ['neptune', 'Neptune'],
    ['docdb', 'DocumentDB'],
  ])('a %s cluster (listed by DescribeDBClusters) is NOT_APPLICABLE, saying why', (engine, product) => {
    const f = evaluateRdsDatabase(db('cluster', { config: { securityGroupIds: [], engine } }), ctx);
    expect(f).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'NOT_AURORA',
      detail: expect.stringMatching(new RegExp(`Amazon ${product}.*Aurora engines only`)),
    });
  });

  it('an unencrypted Aurora cluster is still judged', () => {
    expect(
      evaluateRdsDatabase(db('cluster', { config: { securityGroupIds: [], engine: 'aurora-postgresql' } }), ctx).reason,
    ).toBe('UNENCRYPTED');
  });
});
