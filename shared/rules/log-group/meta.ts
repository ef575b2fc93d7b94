import { pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, ACCOUNT_KEYS, KEY_LOOKUP } from '../grants';

/** The ARN CloudWatch Logs takes for tagging and KMS conditions (no trailing `:*`). */
export const logGroupArn = (region: string, account: string, name: string): string =>
  `arn:aws:logs:${region}:${account}:log-group:${name}`;

/** A log group by `logGroupName`, or by `resourceIdentifier` (its ARN) as newer SDKs send it. */
const groupName = (d: Record<string, unknown>): string[] => {
  const name =
    pick(d, 'requestParameters', 'logGroupName') ??
    /:log-group:([^:]+)/.exec(pick(d, 'requestParameters', 'resourceIdentifier') ?? '')?.[1];
  return name ? [name] : [];
};

export const logGroupMeta: RuleMeta = {
  type: 'log-group',
  service: 'logs',
  cloudTrail: [
    {
      eventSource: 'logs.amazonaws.com',
      eventNames: ['CreateLogGroup', 'DisassociateKmsKey'],
      ids: groupName,
    },
  ],
  configTypes: [],
  permissions: {
    read: ['logs:DescribeLogGroups', 'logs:ListTagsForResource', 'kms:DescribeKey'],
    // The CMK's key policy is read before AssociateKmsKey: CloudWatch Logs refuses a key it may not use.
    remediate: ['logs:AssociateKmsKey', 'kms:GetKeyPolicy', 'logs:TagResource'],
    quarantine: ['logs:TagResource'],
  },

  grants: [
    { sid: 'LogGroupRead', actions: ['logs:DescribeLogGroups', 'logs:ListTagsForResource'], resources: ['*'] },
    {
      sid: 'LogGroupWrite',
      actions: ['logs:AssociateKmsKey', 'logs:TagResource'],
      resources: [accountArn('logs', 'log-group:*')],
    },
    { sid: 'LogGroupCmkPolicy', actions: ['kms:GetKeyPolicy'], resources: [ACCOUNT_KEYS] },
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'associated with the regional CMK (groups under the policy logGroups.prefixes)',
    remediate:
      'AssociateKmsKey once the CMK key policy lets CloudWatch Logs use it; otherwise quarantined with the statement to add',
    quarantine: 'tag; log data untouched',
    gates: [],
  },
  arn: (ref) => logGroupArn(ref.region, ref.account, ref.id),
};
