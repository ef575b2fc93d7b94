import { DescribeDBProxiesCommand, DescribeDBProxyTargetsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { ruleContext } from '../../../../shared/pipeline/scope';
import { proxiesOf, targetsDatabase } from '../../../../shared/workflows/rds-reencrypt/proxies';
import { offlineClients, testDeps } from '../../../support/harness';

// API_DBProxyTarget.html: RdsResourceId is the instance id (RDS) or the cluster id (Aurora); TrackedClusterId names
// the Aurora cluster on its member instances' targets and is blank for an RDS DB instance.
describe('whether an RDS Proxy target is the database being re-encrypted', () => {
  it('an RDS instance: its RDS_INSTANCE target, not another instance', () => {
    expect(targetsDatabase('instance', 'db1', { Type: 'RDS_INSTANCE', RdsResourceId: 'db1' })).toBe(true);
    expect(targetsDatabase('instance', 'db1', { Type: 'RDS_INSTANCE', RdsResourceId: 'db2' })).toBe(false);
  });

  it('a cluster id equal to an instance id does not make the instance a target', () => {
    expect(targetsDatabase('instance', 'same', { Type: 'TRACKED_CLUSTER', RdsResourceId: 'same' })).toBe(false);
    expect(
      targetsDatabase('instance', 'same', { Type: 'RDS_INSTANCE', RdsResourceId: 'same', TrackedClusterId: 'c1' }),
    ).toBe(false);
  });

  it('an Aurora cluster: its TRACKED_CLUSTER target or a member target tracking it', () => {
    expect(targetsDatabase('cluster', 'c1', { Type: 'TRACKED_CLUSTER', RdsResourceId: 'c1' })).toBe(true);
    expect(
      targetsDatabase('cluster', 'c1', { Type: 'RDS_INSTANCE', RdsResourceId: 'm1', TrackedClusterId: 'c1' }),
    ).toBe(true);
    expect(targetsDatabase('cluster', 'c1', { Type: 'RDS_INSTANCE', RdsResourceId: 'c1' })).toBe(false);
    expect(targetsDatabase('cluster', 'c1', { Type: 'TRACKED_CLUSTER', RdsResourceId: 'c2' })).toBe(false);
  });
});

/** What moto cannot produce: Marker pages, a proxy deleted between the two calls, AccessDenied (SDK mocks). */
describe('listing the proxies that target a database', () => {
  const rds = mockClient(RDSClient);
  afterEach(() => rds.reset());
  afterAll(() => rds.restore());
  const ctx = ruleContext(testDeps(offlineClients()), '123456789012', 'us-east-1');

  it('follows Marker on both listings and skips a proxy deleted in between (DBProxyNotFoundFault)', async () => {
    rds
      .on(DescribeDBProxiesCommand, { Marker: undefined })
      .resolves({ DBProxies: [{ DBProxyName: 'a' }, { DBProxyName: 'gone' }], Marker: 'm1' })
      .on(DescribeDBProxiesCommand, { Marker: 'm1' })
      .resolves({ DBProxies: [{ DBProxyName: 'b' }, { DBProxyName: 'c' }] });
    rds
      .on(DescribeDBProxyTargetsCommand, { DBProxyName: 'a', Marker: undefined })
      .resolves({ Targets: [{ Type: 'RDS_INSTANCE', RdsResourceId: 'other' }], Marker: 't1' })
      .on(DescribeDBProxyTargetsCommand, { DBProxyName: 'a', Marker: 't1' })
      .resolves({ Targets: [{ Type: 'RDS_INSTANCE', RdsResourceId: 'orders' }] })
      .on(DescribeDBProxyTargetsCommand, { DBProxyName: 'gone' })
      .rejects(Object.assign(new Error('gone'), { name: 'DBProxyNotFoundFault', $metadata: { httpStatusCode: 404 } }))
      .on(DescribeDBProxyTargetsCommand, { DBProxyName: 'b' })
      .resolves({ Targets: [{ Type: 'RDS_INSTANCE', RdsResourceId: 'orders' }] })
      .on(DescribeDBProxyTargetsCommand, { DBProxyName: 'c' })
      .resolves({ Targets: [] });
    expect(await proxiesOf('instance', 'orders', ctx)).toEqual(['a', 'b']);
  });

  it('AccessDenied is not taken for "no proxy": it fails naming the missing permission', async () => {
    rds
      .on(DescribeDBProxiesCommand)
      .resolves({ DBProxies: [{ DBProxyName: 'a' }] })
      .on(DescribeDBProxyTargetsCommand)
      .rejects(
        Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }),
      );
    await expect(proxiesOf('instance', 'orders', ctx)).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      details: expect.objectContaining({ missingPermission: 'rds:DescribeDBProxyTargets' }),
    });
  });
});
