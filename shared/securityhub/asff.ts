import type { Outcome } from '../alerts/alert';
import { severityOf } from '../alerts/alert';
import { checksOf, controlsOfChecks, MAPPING, primaryCheck, primaryChecksOfType } from '../compliance/mapping';

/**
 * Outcomes as AWS Security Finding Format findings (pure). One finding per resource and check, with a stable
 * Id, so a later outcome for the same resource and check updates it in place. What each outcome means:
 * - NON_COMPLIANT, not fixed (reported, quarantined, fix failed or failed verification): FAILED, workflow NEW;
 * - a remediation whose fresh re-read verified it: PASSED, workflow RESOLVED (never for a fix only attempted);
 * - a remediation still running (a workflow, or one waiting for approval): WARNING;
 * - waived: FAILED with workflow SUPPRESSED and the waiver in a note;
 * - COMPLIANT (a fresh read): PASSED for every check of the type;
 * - the resource gone: every check's finding ARCHIVED.
 * ASFF reference: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-syntax.html
 * (required attributes; Compliance.Status PASSED | WARNING | FAILED | NOT_AVAILABLE; a finding at most 240 KB;
 * Compliance.RelatedRequirements at most 32 entries; ProductFields at most 50 pairs; Description at most 1024
 * characters).
 */

export const SCHEMA_VERSION = '2018-10-08';
export const MAX_FINDING_BYTES = 240 * 1024;

export type ComplianceStatus = 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE';

export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Region: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string; Url?: string } };
  ProductFields: Record<string, string>;
  Resources: { Type: string; Id: string; Partition: 'aws'; Region: string; Tags?: Record<string, string> }[];
  Compliance: {
    Status: ComplianceStatus;
    RelatedRequirements: string[];
    StatusReasons?: { ReasonCode: string; Description: string }[];
  };
  Workflow: { Status: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED' };
  RecordState: 'ACTIVE' | 'ARCHIVED';
  Note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
}

const RESOURCE_TYPES: Record<string, string> = {
  's3-bucket': 'AwsS3Bucket',
  's3-tls': 'AwsS3Bucket',
  's3-replication': 'AwsS3Bucket',
  'rds-instance': 'AwsRdsDbInstance',
  'rds-read-replica': 'AwsRdsDbInstance',
  'rds-cluster': 'AwsRdsDbCluster',
  'rds-snapshot': 'AwsRdsDbSnapshot',
  'rds-cluster-snapshot': 'AwsRdsDbClusterSnapshot',
  'redshift-cluster': 'AwsRedshiftCluster',
  'redshift-snapshot-copy': 'AwsRedshiftCluster',
  'kms-key': 'AwsKmsKey',
};

/** Framework labels as Security Hub's own controls write them in RelatedRequirements. */
const LABEL: Record<string, string> = {
  'nist-800-53-r5': 'NIST.800-53.r5',
  'pci-dss-4': 'PCI DSS v4.0.1',
  'cis-aws-7': 'CIS AWS Foundations Benchmark v7.0.0',
  hipaa: 'HIPAA',
  soc2: 'SOC 2',
  'iso-27001-2022': 'ISO 27001:2022',
};

/** Stable per resource and check: the same resource failing the same check again updates one finding. */
export const findingId = (o: Pick<Outcome, 'ref'>, check: string): string =>
  `cmk-sentinel/${o.ref.account}/${o.ref.region}/${o.ref.type}/${o.ref.id}/${check}`.slice(0, 512);

export const productArn = (account: string, region: string): string =>
  `arn:aws:securityhub:${region}:${account}:product/${account}/default`;

/** `checks`: the checks filed (one finding each); `related`: every check whose controls the finding cites. */
interface Judgement {
  status: ComplianceStatus;
  workflow: AsffFinding['Workflow']['Status'];
  record: AsffFinding['RecordState'];
  checks: string[];
  related: string[];
}

const judge = (o: Outcome): Judgement | undefined => {
  const all = primaryChecksOfType(o.ref.type);
  if (o.status === 'NOT_APPLICABLE' && o.reason === 'RESOURCE_GONE')
    return { status: 'NOT_AVAILABLE', workflow: 'RESOLVED', record: 'ARCHIVED', checks: all, related: [] };
  if (o.status === 'COMPLIANT')
    return { status: 'PASSED', workflow: 'RESOLVED', record: 'ACTIVE', checks: all, related: [] };
  if (o.status !== 'NON_COMPLIANT') return undefined; // not applicable, or an error: nothing was judged
  const primary = primaryCheck(o.ref.type, o.reason);
  if (!primary) return undefined;
  const base = { record: 'ACTIVE' as const, checks: [primary], related: checksOf(o.ref.type, o.reason) };
  if (o.action === 'REMEDIATE' && o.result === 'VERIFIED') return { ...base, status: 'PASSED', workflow: 'RESOLVED' };
  if (o.action === 'REMEDIATE' && (o.result === 'PENDING' || o.result === 'UNCHANGED'))
    return { ...base, status: 'WARNING', workflow: 'NEW' };
  if (o.waiver?.status === 'WAIVED') return { ...base, status: 'FAILED', workflow: 'SUPPRESSED' };
  return { ...base, status: 'FAILED', workflow: 'NEW' };
};

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

const SEVERITY: Record<string, AsffFinding['Severity']['Label']> = {
  INFO: 'INFORMATIONAL',
  LOW: 'LOW',
  MEDIUM: 'MEDIUM',
  HIGH: 'HIGH',
  CRITICAL: 'CRITICAL',
};

const severity = (o: Outcome, j: Judgement): AsffFinding['Severity']['Label'] => {
  if (j.status === 'PASSED' || j.record === 'ARCHIVED') return 'INFORMATIONAL';
  // A finding left open is at least MEDIUM: the alert's LOW means "fixed", which an open finding is not.
  const label = SEVERITY[severityOf(o)] ?? 'MEDIUM';
  return label === 'LOW' || label === 'INFORMATIONAL' ? 'MEDIUM' : label;
};

const requirements = (checks: readonly string[]): string[] => {
  const c = controlsOfChecks(checks);
  return Object.entries(c.frameworks)
    .flatMap(([f, ids]) => (ids ?? []).map((id) => `${LABEL[f] ?? f}/${id}`))
    .slice(0, 32);
};

export interface AsffContext {
  now: Date;
  remediationUrl?: string;
}

/** The findings an outcome means (none for an error or a not-applicable resource that still exists). */
export const toAsff = (o: Outcome, ctx: AsffContext): AsffFinding[] => {
  const j = judge(o);
  if (!j) return [];
  const at = ctx.now.toISOString();
  const arn = o.arn ?? `${o.ref.type}/${o.ref.id}`;
  return j.checks
    .map((check): AsffFinding => {
      const m = MAPPING.checks[check];
      const title = m?.title ?? check;
      const fields: Record<string, string> = {
        'cmk-sentinel/check': check,
        'cmk-sentinel/type': o.ref.type,
        'cmk-sentinel/status': o.status,
        'cmk-sentinel/action': `${o.action} ${o.result}`,
        ...(m?.securityHub ? { 'cmk-sentinel/securityHubControl': m.securityHub } : {}),
        ...(m?.projectDefined ? { 'cmk-sentinel/projectDefined': 'true' } : {}),
        ...(o.reason ? { 'cmk-sentinel/reason': o.reason } : {}),
        ...(o.observedKey ? { 'cmk-sentinel/observedKey': cut(o.observedKey, 1024) } : {}),
        ...(o.expectedKey ? { 'cmk-sentinel/expectedKey': cut(o.expectedKey, 1024) } : {}),
        ...(o.waiver?.id
          ? { 'cmk-sentinel/waiver': `${o.waiver.status} ${o.waiver.id} until ${o.waiver.expires ?? '?'}` }
          : {}),
      };
      const verdict =
        j.status === 'PASSED'
          ? o.status === 'COMPLIANT'
            ? 'Compliant on a fresh read.'
            : `Fixed and verified by a fresh read: ${o.actionDetail ?? ''}`
          : `${o.detail ?? o.reason ?? ''} ${o.actionDetail ? `(${o.action} ${o.result}: ${o.actionDetail})` : ''}`;
      return {
        SchemaVersion: SCHEMA_VERSION,
        Id: findingId(o, check),
        ProductArn: productArn(o.ref.account, o.ref.region),
        GeneratorId: `cmk-sentinel/${check}`,
        AwsAccountId: o.ref.account,
        Region: o.ref.region,
        Types: ['Software and Configuration Checks/Industry and Regulatory Standards', 'Effects/Data Exposure'],
        CreatedAt: at,
        UpdatedAt: at,
        Severity: { Label: severity(o, j) },
        Title: cut(`cmk-sentinel ${m?.securityHub ? `${m.securityHub} ` : ''}${title}`, 256),
        Description: cut(verdict.trim() || title, 1024),
        Remediation: {
          Recommendation: {
            Text: cut(
              o.expectedKey
                ? `Encrypt with the regional CMK ${o.expectedKey}; cmk-sentinel does so when the policy's mode for ${o.ref.type} is remediate.`
                : `Fix per the check: ${title}.`,
              512,
            ),
            ...(ctx.remediationUrl ? { Url: ctx.remediationUrl } : {}),
          },
        },
        ProductFields: fields,
        Resources: [{ Type: RESOURCE_TYPES[o.ref.type] ?? 'Other', Id: arn, Partition: 'aws', Region: o.ref.region }],
        Compliance: {
          Status: j.status,
          RelatedRequirements: requirements(j.related.length ? j.related : [check]),
          ...(o.reason && j.status !== 'PASSED'
            ? { StatusReasons: [{ ReasonCode: cut(o.reason, 64), Description: cut(o.detail ?? o.reason, 1024) }] }
            : {}),
        },
        Workflow: { Status: j.workflow },
        RecordState: j.record,
        ...(o.waiver ? { Note: { Text: cut(o.waiver.detail, 512), UpdatedBy: 'cmk-sentinel', UpdatedAt: at } } : {}),
      };
    })
    .map(fitSize);
};

/** A finding over 240 KB loses its free text, never its identity or status. */
export const fitSize = (f: AsffFinding): AsffFinding => {
  if (Buffer.byteLength(JSON.stringify(f)) <= MAX_FINDING_BYTES) return f;
  const slim: AsffFinding = {
    ...f,
    Description: cut(f.Description, 256),
    ProductFields: Object.fromEntries(Object.entries(f.ProductFields).map(([k, v]) => [k, cut(v, 256)])),
  };
  delete slim.Note;
  return slim;
};
