import { targetsDatabase } from '../../../../shared/workflows/rds-reencrypt/proxies';

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
