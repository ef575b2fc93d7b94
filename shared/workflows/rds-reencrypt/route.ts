/**
 * Pure: which re-encryption path a database takes. Blue/Green (green created under the CMK with
 * `TargetResourceConfigurations[].TargetKmsKeyId`, kept in sync by replication, switched over in about a
 * minute) wherever AWS supports it; the snapshot-and-restore fallback (a verified copy and a runbook, never an
 * automatic cut-over) for the rest. Each refusal names the AWS page it comes from.
 *
 * Sources (read 2026-12-01):
 * - [RDS-ENGINES] https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.RDS_Fea_Regions_DB-eng.Feature.BlueGreenDeployments.html
 *   "not supported with: RDS for Db2, RDS for SQL Server, RDS for Oracle"; MySQL 5.7, 8.0, 8.4 (all versions);
 *   MariaDB 10.2 and higher 10 versions, 11.4, 11.8 (and 12.3 in the China-region copy); PostgreSQL 11.1 and higher.
 * - [AURORA-ENGINES] https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.BlueGreenDeployments.html
 *   Aurora MySQL: all versions; Aurora PostgreSQL: 11.21+, 12.16+, 13.12+, 14.9+, 15.4+, 16.1+, 17.4+.
 * - [RDS-LIMITS] https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-considerations.html
 *   "don't support managing master user passwords with AWS Secrets Manager"; not supported: "Amazon RDS Proxy,
 *   Cascading read replicas, Cross-Region read replicas, AWS CloudFormation, Multi-AZ DB cluster deployments"
 *   (Multi-AZ DB *instance* deployments are supported).
 * - [AURORA-LIMITS] https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/blue-green-deployments-considerations.html
 *   Secrets Manager master passwords unsupported, as for RDS.
 * - [PROXY] https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-blue-green.html and
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy-blue-green.html: "RDS Proxy supports
 *   Blue/Green Deployments for RDS for PostgreSQL, RDS for MySQL and RDS for MariaDB" and works with the Aurora
 *   engines; at switchover RDS runs extra guardrail checks that the proxy reaches blue and green, then the proxy
 *   routes to green (existing connections are dropped). Limitation: the blue database "must already be a target of
 *   the proxy before" the deployment is created (it is: that is how it was found), and (Aurora) Global Database is
 *   not supported with it (global members are refused before routing). These pages supersede RDS Proxy in
 *   [RDS-LIMITS]' older list: every engine on the Blue/Green list is one RDS Proxy supports it for, so a proxy
 *   never forces the fallback; it is named in the route so the switchover plan says which proxy follows green.
 * - [TARGET-KEY] https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_TargetResourceConfiguration.html
 *   TargetKmsKeyId: "The blue resource is unencrypted and you want to encrypt the green resource"; Aurora: per
 *   cluster (SourceArn = cluster ARN); RDS: per DB instance, one entry per read replica. The user guide's older
 *   "You can't change an unencrypted DB instance into an encrypted DB instance" predates this member: the API
 *   reference, which names the case, is followed.
 */
export type ReencryptPath = 'BLUE_GREEN' | 'RESTORE';

export interface RouteInput {
  kind: 'instance' | 'cluster';
  engine?: string;
  engineVersion?: string;
  region: string;
  /** The master password is managed in Secrets Manager (MasterUserSecret present). */
  managedMasterSecret?: boolean;
  /** This database is itself a read replica (a cascading replica when its replicas are asked about). */
  isReplica?: boolean;
  /** Its read replicas: ids (same Region) or ARNs (any Region), as DescribeDB* report them. */
  readReplicas?: string[];
  /** A read replica of this database has replicas of its own. */
  cascadingReplicas?: boolean;
  /** The RDS Proxies that have this instance or cluster as a target (DescribeDBProxyTargets), by name. */
  proxies?: string[];
  /** Aurora MySQL backtracking is on (BacktrackWindow > 0). */
  backtrack?: boolean;
}

export interface Route {
  path: ReencryptPath;
  reason: string;
  source: string;
}

const SRC = {
  rdsEngines:
    'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.RDS_Fea_Regions_DB-eng.Feature.BlueGreenDeployments.html',
  auroraEngines:
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.BlueGreenDeployments.html',
  rdsLimits: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-considerations.html',
  auroraLimits:
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/blue-green-deployments-considerations.html',
  targetKey: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_TargetResourceConfiguration.html',
  rdsProxy: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-blue-green.html',
  auroraProxy: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy-blue-green.html',
};

/** What the route says about the database's proxies, on either path. */
const proxyNote = (d: RouteInput): string => {
  const names = d.proxies ?? [];
  if (!names.length) return '';
  const which = `RDS Proxy ${names.join(', ')}`;
  return d.kind === 'cluster'
    ? `; it is a target of ${which} (${SRC.auroraProxy})`
    : `; it is a target of ${which} (${SRC.rdsProxy})`;
};

/** `8.0.35` -> [8, 0, 35]; missing parts are 0. */
const parts = (v: string | undefined): number[] =>
  (v ?? '')
    .split('.')
    .map((p) => Number.parseInt(p, 10))
    .map((n) => (Number.isFinite(n) ? n : 0));

const atLeast = (v: string | undefined, min: string): boolean => {
  const a = parts(v);
  const b = parts(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
};

const AURORA_PG_MIN: Record<number, string> = {
  11: '11.21',
  12: '12.16',
  13: '13.12',
  14: '14.9',
  15: '15.4',
  16: '16.1',
  17: '17.4',
};

/** Whether the engine and version are on AWS's Blue/Green list; the reason when not. */
const engineSupport = (kind: RouteInput['kind'], engine: string, version: string | undefined): string | undefined => {
  const major = parts(version)[0] ?? 0;
  if (kind === 'cluster') {
    if (engine === 'aurora-mysql' || engine === 'aurora') return undefined;
    if (engine === 'aurora-postgresql') {
      // Majors after 17 are assumed to follow (each new major has shipped with Blue/Green support).
      const min = AURORA_PG_MIN[major];
      if (major > 17) return undefined;
      return min && atLeast(version, min)
        ? undefined
        : `Aurora PostgreSQL ${version ?? '(unknown version)'} is below the versions Blue/Green supports (11.21, 12.16, 13.12, 14.9, 15.4, 16.1, 17.4 and higher)`;
    }
    return `${engine} clusters are not Aurora: Blue/Green does not support Multi-AZ DB cluster deployments`;
  }
  if (/^(oracle|sqlserver|db2|custom-)/.test(engine)) return `Blue/Green does not support RDS for ${engine}`;
  if (engine === 'mysql')
    return ['5.7', '8.0', '8.4'].some((m) => version === m || version?.startsWith(`${m}.`))
      ? undefined
      : `RDS for MySQL ${version ?? '(unknown version)'} is not 5.7, 8.0 or 8.4`;
  if (engine === 'mariadb') {
    const ok =
      (major === 10 && atLeast(version, '10.2')) ||
      ['11.4', '11.8', '12.3'].some((m) => version === m || version?.startsWith(`${m}.`));
    return ok ? undefined : `RDS for MariaDB ${version ?? '(unknown version)'} is not 10.2+ (10.x), 11.4, 11.8 or 12.3`;
  }
  if (engine === 'postgres')
    return atLeast(version, '11.1') ? undefined : `RDS for PostgreSQL ${version ?? '(unknown version)'} is below 11.1`;
  return `engine ${engine} is not on the Blue/Green list`;
};

/** An ARN in another Region names a cross-Region read replica; a bare id is in the database's own Region. */
const crossRegion = (ref: string, region: string): boolean => ref.startsWith('arn:') && ref.split(':')[3] !== region;

export const routeReencryption = (d: RouteInput): Route => {
  // The restored copy is a new database that no proxy targets: the runbook must re-point each proxy at it
  // (RegisterDBProxyTargets), so the reason names them.
  const fallback = (reason: string, source: string): Route => ({
    path: 'RESTORE',
    reason: d.proxies?.length
      ? `${reason}; the copy must be registered with RDS Proxy ${d.proxies.join(', ')} in place of the original (RegisterDBProxyTargets)`
      : reason,
    source,
  });
  const engineSrc = d.kind === 'cluster' ? SRC.auroraEngines : SRC.rdsEngines;
  const limits = d.kind === 'cluster' ? SRC.auroraLimits : SRC.rdsLimits;
  if (!d.engine) return fallback('the engine is unknown: Blue/Green support cannot be established', engineSrc);
  const unsupported = engineSupport(d.kind, d.engine, d.engineVersion);
  if (unsupported)
    return fallback(unsupported, d.kind === 'cluster' && !d.engine.startsWith('aurora') ? SRC.rdsLimits : engineSrc);
  if (d.managedMasterSecret)
    return fallback('the master password is managed in Secrets Manager, which Blue/Green does not support', limits);
  // "If the source DB cluster has backtracking enabled, the green DB cluster is created without backtracking support"
  // (AURORA-LIMITS, Aurora MySQL): green would lose a setting; the restore carries BacktrackWindow.
  if (d.kind === 'cluster' && d.backtrack)
    return fallback('backtracking is on, which a Blue/Green green cluster does not support', limits);
  if (d.kind === 'instance') {
    if (d.isReplica && (d.readReplicas?.length ?? 0) > 0)
      return fallback(
        'the instance is a read replica with replicas of its own (cascading read replicas)',
        SRC.rdsLimits,
      );
    if (d.cascadingReplicas)
      return fallback(
        'a read replica of the instance has replicas of its own (cascading read replicas)',
        SRC.rdsLimits,
      );
    const far = (d.readReplicas ?? []).filter((r) => crossRegion(r, d.region));
    if (far.length)
      return fallback(
        `cross-Region read replica(s) ${far.join(', ')}: Blue/Green does not support them`,
        SRC.rdsLimits,
      );
  }
  return {
    path: 'BLUE_GREEN',
    reason:
      `${d.engine} ${d.engineVersion ?? ''}`.trim() +
      ' supports Blue/Green with TargetKmsKeyId (green encrypted with the CMK)' +
      (d.proxies?.length
        ? `${proxyNote(d)}, which Blue/Green supports: switchover checks the proxy reaches green and moves it there`
        : ''),
    source: SRC.targetKey,
  };
};
