import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

export interface DynamodbTableState {
  name: string;
  arn: string;
  region: string;
  status: string;
  /**
   * SSEDescription as DescribeTable reports it. Absent (or Status DISABLED): the AWS-owned key, which
   * is not in the account at all. `SSEType: KMS` without a key of ours: the AWS-managed aws/dynamodb.
   * (botocore dynamodb SSESpecification/SSEDescription: "If disabled (false) or not specified,
   * server-side encryption is set to Amazon Web Services owned key".)
   */
  sse?: { status?: string; type?: string; keyArn?: string; inaccessibleSince?: string };
  observedKey?: ObservedKey;
}

/** Pure. Every DynamoDB table is encrypted; the question is only which key. */
export const evaluateDynamodbTable = (s: DynamodbTableState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const kms = s.sse?.type === 'KMS' && s.sse.status !== 'DISABLED';
  const observedKey = kms ? (s.observedKey?.info?.arn ?? s.sse?.keyArn) : undefined;
  const nonCompliant = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    detail: `DynamoDB table ${s.name} ${detail}`,
    observedKey,
    expectedKey,
  });
  const finding = ((): Finding => {
    if (!kms)
      return nonCompliant(
        'NOT_KMS',
        'is encrypted with the AWS-owned key (the default), which is not a KMS key of the account',
      );
    if (s.sse?.inaccessibleSince)
      return nonCompliant(
        'KEY_INACCESSIBLE',
        `cannot reach its KMS key since ${s.sse.inaccessibleSince}; DynamoDB archives a table whose key stays inaccessible for seven days`,
      );
    const m = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
    if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
    const reason = keyReason(m);
    return nonCompliant(reason, keyIssueSentence(reason, 'aws/dynamodb'));
  })();
  // DynamoDB is still applying a key change: not a new drift, and no second UpdateTable.
  if (finding.status === 'NON_COMPLIANT' && (s.sse?.status === 'UPDATING' || s.status === 'UPDATING')) {
    return nonCompliant(
      'ENCRYPTION_IN_PROGRESS',
      `is being updated (table ${s.status}, encryption ${s.sse?.status ?? 'default'}); a key change is being applied and the table stays usable meanwhile`,
    );
  }
  return finding;
};
