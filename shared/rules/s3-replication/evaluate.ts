import type { ReplicationConfiguration } from '@aws-sdk/client-s3';
import { explainMismatch, keyMismatch, type KeyMismatch } from '../../kms/compare';
import type { KeyInfo, ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';
import { missingStatements, type RoleCheck } from './role-check';

/** One replication rule as the rule needs to judge it (index = position in the configuration). */
export interface ReplicationRuleView {
  index: number;
  id?: string;
  enabled: boolean;
  destBucket: string;
  /** Undefined when the destination bucket cannot be found (deleted, or unreadable). */
  destRegion?: string;
  sseKmsObjects: boolean;
  replicaKeyRef?: string;
  observedKey?: ObservedKey;
  /** The destination region's CMK (resolved before evaluate, so evaluate stays pure). */
  expectedKey?: KeyInfo;
  /** Whether the configuration's role may use the source CMK and this CMK through S3 (iam:SimulatePrincipalPolicy). */
  roleCheck?: RoleCheck;
}

export interface SourceBucket {
  bucket: string;
  region: string;
  /** As read: remediation writes it back with only the wrong fields changed. */
  config?: ReplicationConfiguration;
  rules: ReplicationRuleView[];
}

export interface S3ReplicationState {
  /** `source`: the bucket's own rules; `destination`: the rules (of buckets in this region) that replicate into
   * `bucket`. */
  mode: 'source' | 'destination';
  bucket: string;
  region: string;
  sources: SourceBucket[];
  /** Why there is nothing to judge (no configuration, not a destination, ...). */
  note?: string;
}

export interface RuleProblem {
  source: string;
  rule: ReplicationRuleView;
  sseKmsOff: boolean;
  key?: KeyMismatch;
  /** The role cannot use the keys: rewriting the key would make every new object fail to replicate. */
  role?: RoleCheck;
}

const ruleName = (r: ReplicationRuleView): string => (r.id ? `rule "${r.id}"` : `rule #${r.index + 1}`);

/** Every enabled rule with a known destination that replicates without the destination's CMK. Pure. */
export const replicationProblems = (s: S3ReplicationState): RuleProblem[] =>
  s.sources.flatMap((src) =>
    src.rules.flatMap((rule): RuleProblem[] => {
      if (!rule.enabled || !rule.destRegion || !rule.expectedKey) return [];
      const key = keyMismatch(rule.observedKey, rule.expectedKey, rule.destRegion);
      const sseKmsOff = !rule.sseKmsObjects;
      const role = rule.roleCheck?.missing.length ? rule.roleCheck : undefined;
      return key || sseKmsOff || role ? [{ source: src.bucket, rule, sseKmsOff, key, ...(role ? { role } : {}) }] : [];
    }),
  );

const REASON: Record<KeyMismatch, string> = {
  NO_KEY: 'NO_REPLICA_KEY',
  AWS_MANAGED_KEY: 'AWS_MANAGED_KEY',
  UNKNOWN_KEY: 'UNKNOWN_KEY',
  WRONG_REGION_KEY: 'WRONG_REGION_KEY',
  WRONG_KEY: 'WRONG_KEY',
};

/**
 * Pure: every replication rule into region R must replicate SSE-KMS objects and
 * encrypt replicas with R's CMK (not the source region's, which AWS accepts silently).
 */
export const evaluateS3Replication = (s: S3ReplicationState, _ctx: EvaluationContext): Finding => {
  const judged = s.sources.flatMap((src) => src.rules.filter((r) => r.enabled && r.destRegion && r.expectedKey));
  if (judged.length === 0) {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'NO_REPLICATION',
      detail: s.note ?? `Bucket ${s.bucket} has no enabled replication rule with a known destination`,
    };
  }
  const problems = replicationProblems(s);
  if (problems.length === 0) {
    const first = judged[0];
    return {
      status: 'COMPLIANT',
      observedKey: first?.observedKey?.info?.arn ?? first?.replicaKeyRef,
      expectedKey: first?.expectedKey?.arn,
    };
  }
  const first = problems[0] as RuleProblem;
  const sentences = problems.map((p) => {
    const parts = [
      ...(p.key
        ? [
            `replicas ${explainMismatch(p.key, p.rule.observedKey, p.rule.expectedKey as KeyInfo, p.rule.destRegion as string)}`,
          ]
        : []),
      ...(p.sseKmsOff
        ? ['SSE-KMS encrypted objects are not replicated (SourceSelectionCriteria.SseKmsEncryptedObjects off)']
        : []),
      ...(p.role
        ? [
            `the replication role cannot use the keys, so replication would end ReplicationStatus=FAILED: ${missingStatements(p.role)}`,
          ]
        : []),
    ];
    return `${p.source} ${ruleName(p.rule)} → ${p.rule.destBucket} (${p.rule.destRegion}): ${parts.join('; ')}`;
  });
  return {
    status: 'NON_COMPLIANT',
    reason: first.key
      ? REASON[first.key]
      : first.sseKmsOff
        ? 'SSE_KMS_OBJECTS_NOT_REPLICATED'
        : 'REPLICATION_ROLE_CANNOT_USE_KEYS',
    detail: `Replication ${sentences.join(' | ')}; the destination bucket's own default encryption is checked by the s3-bucket rule in ${first.rule.destRegion}`,
    observedKey: first.rule.observedKey?.info?.arn ?? first.rule.replicaKeyRef,
    expectedKey: first.rule.expectedKey?.arn,
  };
};

/**
 * The configuration with only the wrong fields rewritten: each problem rule gets
 * SseKmsEncryptedObjects Enabled and its destination's CMK ARN; every other field
 * and rule is the same object as read. Pure.
 */
export const patchReplication = (
  config: ReplicationConfiguration,
  problems: readonly RuleProblem[],
): ReplicationConfiguration => {
  const byIndex = new Map(problems.map((p) => [p.rule.index, p]));
  return {
    ...config,
    Rules: (config.Rules ?? []).map((rule, i) => {
      const p = byIndex.get(i);
      if (!p) return rule;
      const out = { ...rule };
      if (p.sseKmsOff)
        out.SourceSelectionCriteria = {
          ...rule.SourceSelectionCriteria,
          SseKmsEncryptedObjects: { Status: 'Enabled' },
        };
      if (p.key)
        out.Destination = {
          ...rule.Destination,
          Bucket: rule.Destination?.Bucket,
          EncryptionConfiguration: {
            ...rule.Destination?.EncryptionConfiguration,
            ReplicaKmsKeyID: p.rule.expectedKey?.arn,
          },
        };
      return out;
    }),
  };
};

/** Stable JSON (sorted keys) so "byte for byte" compares content, not key order. */
export const canonicalJson = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(
          Object.entries(val as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : val,
  );

/** The configuration without the two fields this rule writes (and the containers they leave empty). Pure. */
export const withoutOwnedFields = (config: ReplicationConfiguration): ReplicationConfiguration => ({
  ...config,
  Rules: (config.Rules ?? []).map((rule) => {
    const out = { ...rule };
    const ssc = { ...rule.SourceSelectionCriteria };
    delete ssc.SseKmsEncryptedObjects;
    if (Object.keys(ssc).length) out.SourceSelectionCriteria = ssc;
    else delete out.SourceSelectionCriteria;
    if (rule.Destination) {
      const enc = { ...rule.Destination.EncryptionConfiguration };
      delete enc.ReplicaKmsKeyID;
      const dest = { ...rule.Destination };
      if (Object.keys(enc).length) dest.EncryptionConfiguration = enc;
      else delete dest.EncryptionConfiguration;
      out.Destination = dest;
    }
    return out;
  }),
});
