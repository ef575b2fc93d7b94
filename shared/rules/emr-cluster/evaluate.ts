import type { EvaluationContext, Finding } from '../contract';
import { evaluateSecurityConfiguration, type SecurityConfigurationState } from '../../emr/security-configuration';
import { type Grant, roleKeyAccess } from '../../kms/key-access';

export interface EmrClusterState {
  id: string;
  name?: string;
  region: string;
  /** STARTING | BOOTSTRAPPING | RUNNING | WAITING | TERMINATING | TERMINATED | TERMINATED_WITH_ERRORS */
  state?: string;
  terminationProtected: boolean;
  tags: Record<string, string>;
  securityConfigurationName?: string;
  /** The configuration as read now; 'GONE' when the cluster names one that no longer exists. */
  securityConfiguration?: SecurityConfigurationState | 'GONE';
  /** The EC2 instance profile and the role in it (from IAM, or assumed to share the profile's name). */
  instanceProfile?: string;
  instanceRole?: { arn: string; source: 'IAM' | 'SAME_NAME' };
  /** The regional CMK's key policy and grants, as read. */
  keyPolicy?: string;
  grants: Grant[];
}

export const ENDED_STATES = new Set(['TERMINATING', 'TERMINATED', 'TERMINATED_WITH_ERRORS']);

/** Reasons that come from the configuration the cluster was launched with. */
export const CONFIGURATION_REASONS = new Set([
  'NO_SECURITY_CONFIGURATION',
  'SECURITY_CONFIGURATION_NOT_FOUND',
  'SECURITY_CONFIGURATION_NON_COMPLIANT',
]);

const keyAccessProblem = (s: EmrClusterState, cmkArn: string): string | undefined => {
  if (!s.instanceRole) return undefined;
  const access = roleKeyAccess(s.instanceRole.arn, s.keyPolicy, s.grants);
  if (access.allowed) return undefined;
  const assumed = s.instanceRole.source === 'SAME_NAME' ? " (assumed to share the instance profile's name)" : '';
  return `its EC2 instance role ${s.instanceRole.arn}${assumed} cannot use the CMK ${cmkArn}: ${access.why}. The key policy is never rewritten automatically: add the role to the key users`;
};

/**
 * Pure: a running cluster complies when it was launched with a compliant security
 * configuration and its EC2 instance role may use the regional CMK.
 */
export const evaluateEmrCluster = (s: EmrClusterState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const label = `EMR cluster ${s.id}${s.name ? ` (${s.name})` : ''}`;
  if (s.state && ENDED_STATES.has(s.state)) {
    return { status: 'NOT_APPLICABLE', reason: 'CLUSTER_TERMINATED', detail: `${label} is ${s.state}`, expectedKey };
  }
  const keyProblem = keyAccessProblem(s, ctx.cmk.arn);
  const also = keyProblem ? `; also, ${keyProblem}` : '';
  const nonCompliant = (reason: string, detail: string, observedKey?: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    detail: `${label} ${detail}${also}`,
    observedKey,
    expectedKey,
  });

  if (!s.securityConfigurationName)
    return nonCompliant(
      'NO_SECURITY_CONFIGURATION',
      'was launched without a security configuration: nothing is encrypted with the CMK',
    );
  if (s.securityConfiguration === 'GONE' || !s.securityConfiguration) {
    return nonCompliant(
      'SECURITY_CONFIGURATION_NOT_FOUND',
      `was launched with security configuration ${s.securityConfigurationName}, which no longer exists`,
    );
  }
  const inner = evaluateSecurityConfiguration(s.securityConfiguration, ctx);
  if (inner.status !== 'COMPLIANT') {
    return nonCompliant(
      'SECURITY_CONFIGURATION_NON_COMPLIANT',
      `was launched with a non-compliant configuration (${inner.reason}): ${inner.detail}`,
      inner.observedKey,
    );
  }
  if (keyProblem)
    return {
      status: 'NON_COMPLIANT',
      reason: 'KEY_POLICY_MISSING_ROLE',
      detail: `${label}: ${keyProblem}`,
      observedKey: inner.observedKey,
      expectedKey,
    };
  return { status: 'COMPLIANT', observedKey: inner.observedKey, expectedKey };
};
