import type { ReplicaSettings } from './settings';
import { explainMismatch, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

export interface ReplicaView {
  id: string;
  status?: string;
  encrypted: boolean;
  observedKey?: ObservedKey;
  /** Settings of the replaced replica the replacement does not carry (settings.ts replicaDifferences). */
  differences?: string[];
}

export interface RdsReadReplicaState {
  id: string;
  arn: string;
  region: string;
  /** The source instance's ARN (a cross-region replica names its source by ARN). */
  sourceArn?: string;
  sourceRegion?: string;
  instanceClass?: string;
  status?: string;
  encrypted: boolean;
  observedKey?: ObservedKey;
  tags: Record<string, string>;
  /** What the replacement must carry (subnet and security groups, parameter/option groups, storage, ...). */
  settings?: ReplicaSettings;
  /** The correctly keyed replacement under its deterministic name, when it exists. */
  replacement?: ReplicaView;
}

/** Deterministic replacement name: a second delivery finds the one the first created. */
export const replacementId = (id: string): string => `${id.slice(0, 59)}-cmk`;

/** Pure: a read replica in region R whose source is in another region must be encrypted with R's CMK. */
export const evaluateRdsReadReplica = (s: RdsReadReplicaState, ctx: EvaluationContext): Finding => {
  if (!s.sourceRegion || s.sourceRegion === s.region) {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'NOT_CROSS_REGION_REPLICA',
      detail: `${s.id} is not a read replica of an instance in another region`,
    };
  }
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.observedKey?.info?.arn ?? s.observedKey?.ref;
  const what = `Read replica ${s.id} (${s.region}) of ${s.sourceArn}`;
  if (!s.encrypted)
    return { status: 'NON_COMPLIANT', reason: 'UNENCRYPTED', detail: `${what} is not encrypted`, expectedKey };
  const m = keyMismatch(s.observedKey, ctx.cmk, s.region);
  if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
  return {
    status: 'NON_COMPLIANT',
    reason: keyReason(m),
    detail: `${what} ${explainMismatch(m, s.observedKey, ctx.cmk, s.region)}; a replica cannot be re-keyed in place`,
    observedKey,
    expectedKey,
  };
};

/** Pure: the replacement is usable for a cut-over only when available and on R's CMK. */
export const replacementVerified = (s: RdsReadReplicaState, ctx: EvaluationContext): boolean =>
  !!s.replacement &&
  s.replacement.status === 'available' &&
  s.replacement.encrypted &&
  !keyMismatch(s.replacement.observedKey, ctx.cmk, s.region);
