import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

export interface LogGroupState {
  name: string;
  arn: string;
  region: string;
  /** kmsKeyId from DescribeLogGroups; absent = CloudWatch Logs' own default encryption. */
  keyRef?: string;
  observedKey?: ObservedKey;
}

/** Pure: whether a log group is the platform's (policy `logGroups.prefixes`; none = every group). */
export const isPlatformGroup = (name: string, prefixes: readonly string[] | undefined): boolean =>
  !prefixes || prefixes.some((p) => name.startsWith(p));

/** Pure. */
export const evaluateLogGroup = (s: LogGroupState, ctx: EvaluationContext): Finding => {
  const prefixes = ctx.policy.doc.logGroups?.prefixes;
  if (!isPlatformGroup(s.name, prefixes)) {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'NOT_PLATFORM',
      detail: `Log group ${s.name} matches none of the policy's prefixes (${prefixes?.join(', ')})`,
    };
  }
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.observedKey?.info?.arn ?? s.keyRef;
  if (!s.keyRef) {
    return {
      status: 'NON_COMPLIANT',
      reason: 'NOT_KMS',
      detail: `Log group ${s.name} has no KMS key: CloudWatch Logs encrypts it with its own service keys, not the CMK`,
      expectedKey,
    };
  }
  const m = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
  if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
  const reason = keyReason(m);
  return {
    status: 'NON_COMPLIANT',
    reason,
    detail: `Log group ${s.name} ${keyIssueSentence(reason, 'aws/logs')}`,
    observedKey,
    expectedKey,
  };
};

type Statement = Record<string, unknown>;
const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
const glob = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  ).test(value);

/** What CloudWatch Logs needs on the key (CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS
 * KMS", step 2). */
const NEEDED = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:GenerateDataKey', 'kms:DescribeKey'];

/** The statement to add to the CMK's key policy so CloudWatch Logs of `region` may use it for this account's log
 * groups. */
export const logsKeyStatement = (region: string, account: string): Statement => ({
  Sid: 'AllowCloudWatchLogs',
  Effect: 'Allow',
  Principal: { Service: `logs.${region}.amazonaws.com` },
  Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
  Resource: '*',
  Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${account}:log-group:*` } },
});

/**
 * Pure: whether a key policy lets CloudWatch Logs of `region` use the key for the log group `groupArn`: an Allow for
 * the service principal covering every needed action, whose encryption-context condition (if any) matches the group.
 */
export const keyPolicyAllowsLogs = (policy: string | undefined, region: string, groupArn: string): boolean => {
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = JSON.parse(policy ?? '{}') as typeof doc;
  } catch {
    return false;
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return statements.some((s) => {
    if (s.Effect !== 'Allow' || s.NotAction !== undefined || s.NotPrincipal !== undefined) return false;
    const services = list((s.Principal as Record<string, unknown> | undefined)?.Service);
    if (!services.some((p) => p === `logs.${region}.amazonaws.com` || p === 'logs.amazonaws.com')) return false;
    const actions = list(s.Action);
    if (!NEEDED.every((n) => actions.some((a) => a === '*' || glob(a, n)))) return false;
    const cond = (s.Condition ?? {}) as Record<string, Record<string, unknown>>;
    return Object.entries(cond).every(([op, body]) =>
      Object.entries(body ?? {}).every(([k, v]) => {
        if (k.toLowerCase() !== 'kms:encryptioncontext:aws:logs:arn') return true;
        const patterns = list(v);
        return /Like$/.test(op) ? patterns.some((p) => glob(p, groupArn)) : patterns.includes(groupArn);
      }),
    );
  });
};
