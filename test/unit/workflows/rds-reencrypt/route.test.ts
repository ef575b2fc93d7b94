import { routeReencryption, type RouteInput } from '../../../../shared/workflows/rds-reencrypt/route';

const inst = (over: Partial<RouteInput>): RouteInput => ({
  kind: 'instance',
  region: 'eu-west-1',
  engine: 'mysql',
  engineVersion: '8.0.35',
  ...over,
});
const cluster = (over: Partial<RouteInput>): RouteInput => ({
  kind: 'cluster',
  region: 'eu-west-1',
  engine: 'aurora-mysql',
  engineVersion: '8.0.mysql_aurora.3.05.2',
  ...over,
});

describe('which re-encryption path a database takes (AWS Blue/Green support lists)', () => {
  it.each([
    ['mysql', '5.7.44'],
    ['mysql', '8.0.35'],
    ['mysql', '8.4.3'],
    ['mariadb', '10.2.43'],
    ['mariadb', '10.11.9'],
    ['mariadb', '11.4.3'],
    ['postgres', '11.1'],
    ['postgres', '16.4'],
  ])('RDS for %s %s: Blue/Green', (engine, engineVersion) => {
    const r = routeReencryption(inst({ engine, engineVersion }));
    expect(r.path).toBe('BLUE_GREEN');
    expect(r.source).toMatch(/API_TargetResourceConfiguration/);
  });

  it.each([
    ['oracle-ee', '19.0.0.0.ru-2024-01.rur-2024-01.r1', /Oracle|oracle/],
    ['sqlserver-se', '15.00.4335.1.v1', /sqlserver/],
    ['db2-se', '11.5.9.0.sb00000000.r1', /db2/],
    ['mysql', '5.6.51', /not 5.7, 8.0 or 8.4/],
    ['mariadb', '10.1.48', /MariaDB/],
    ['mariadb', '11.2.1', /MariaDB/],
    ['postgres', '10.21', /below 11.1/],
  ])('RDS for %s %s: restore fallback', (engine, engineVersion, why) => {
    const r = routeReencryption(inst({ engine, engineVersion }));
    expect(r).toEqual({
      path: 'RESTORE',
      reason: expect.stringMatching(why),
      source: expect.stringMatching(/Feature\.BlueGreenDeployments/),
    });
  });

  it('Aurora MySQL (any version) and Aurora PostgreSQL at or above the listed minor: Blue/Green', () => {
    expect(routeReencryption(cluster({})).path).toBe('BLUE_GREEN');
    expect(routeReencryption(cluster({ engine: 'aurora-postgresql', engineVersion: '15.4' })).path).toBe('BLUE_GREEN');
    expect(routeReencryption(cluster({ engine: 'aurora-postgresql', engineVersion: '16.6' })).path).toBe('BLUE_GREEN');
  });

  it('Aurora PostgreSQL below the listed minor: restore, citing the Aurora page', () => {
    const r = routeReencryption(cluster({ engine: 'aurora-postgresql', engineVersion: '14.8' }));
    expect(r.path).toBe('RESTORE');
    expect(r.source).toMatch(/AuroraUserGuide\/Concepts\.Aurora_Fea_Regions/);
  });

  it('a Multi-AZ DB cluster (non-Aurora engine in DescribeDBClusters): restore, Blue/Green does not support it', () => {
    const r = routeReencryption(cluster({ engine: 'postgres', engineVersion: '16.4' }));
    expect(r).toEqual({
      path: 'RESTORE',
      reason: expect.stringMatching(/Multi-AZ DB cluster/),
      source: expect.stringMatching(/blue-green-deployments-considerations/),
    });
  });

  it('Secrets Manager master password, cascading and cross-Region replicas: restore', () => {
    expect(routeReencryption(inst({ managedMasterSecret: true })).reason).toMatch(/Secrets Manager/);
    expect(routeReencryption(cluster({ managedMasterSecret: true })).source).toMatch(
      /AuroraUserGuide\/blue-green-deployments-considerations/,
    );
    expect(routeReencryption(inst({ cascadingReplicas: true })).reason).toMatch(/cascading/);
    const far = routeReencryption(
      inst({ readReplicas: ['same-region-replica', 'arn:aws:rds:us-east-1:111122223333:db:dr-copy'] }),
    );
    expect(far).toEqual({
      path: 'RESTORE',
      reason: expect.stringMatching(/cross-Region read replica.*dr-copy/),
      source: expect.stringMatching(/considerations/),
    });
  });

  it('same-Region read replicas stay on Blue/Green (each gets its own TargetResourceConfiguration)', () => {
    expect(routeReencryption(inst({ readReplicas: ['r1', 'arn:aws:rds:eu-west-1:111122223333:db:r2'] })).path).toBe(
      'BLUE_GREEN',
    );
  });

  // rds-proxy-blue-green.html (RDS and Aurora user guides): RDS Proxy supports Blue/Green for RDS for PostgreSQL,
  // MySQL, MariaDB and the Aurora engines, so a proxy target stays on Blue/Green and the route names the proxy.
  it.each([
    ['instance', inst({ proxies: ['app-proxy'] }), /UserGuide\/rds-proxy-blue-green/],
    ['cluster', cluster({ proxies: ['app-proxy'] }), /AuroraUserGuide\/rds-proxy-blue-green/],
  ])('an RDS Proxy target (%s) stays on Blue/Green, the reason naming the proxy and its page', (_k, d, page) => {
    const r = routeReencryption(d);
    expect(r.path).toBe('BLUE_GREEN');
    expect(r.reason).toMatch(/target of RDS Proxy app-proxy/);
    expect(r.reason).toMatch(page);
  });

  it('without a proxy the reason says nothing of one', () => {
    expect(routeReencryption(inst({ proxies: [] })).reason).not.toMatch(/Proxy/);
  });

  it('a proxy target routed to the restore for another reason: the reason says which proxies must be re-pointed', () => {
    const r = routeReencryption(inst({ managedMasterSecret: true, proxies: ['p1', 'p2'] }));
    expect(r.path).toBe('RESTORE');
    expect(r.reason).toMatch(/Secrets Manager.*registered with RDS Proxy p1, p2.*RegisterDBProxyTargets/);
  });

  it('an unknown engine is not guessed: restore', () => {
    expect(routeReencryption(inst({ engine: undefined })).path).toBe('RESTORE');
  });
});
