import type { IamGrant } from '../rules/grants';

/**
 * Findings are imported in the resource's own account, into that account's own product (shared/securityhub/sink.ts):
 * the central roles for theirs, the member role for a member's.
 */
export const SECURITY_HUB_GRANTS: readonly IamGrant[] = [
  {
    sid: 'SecurityHubFindings',
    actions: ['securityhub:BatchImportFindings'],
    resources: ['arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default'],
  },
];
