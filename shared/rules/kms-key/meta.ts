import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { ACCOUNT_KEYS, KEY_LOOKUP, ON_CMK } from '../grants';

/** Key events name the key by id or ARN; the ARN in `resources` carries the key's own region, so prefer it. */
const keyIds = (d: Record<string, unknown>): string[] => {
  const id = pick(d, 'requestParameters', 'keyId');
  if (!id) return [];
  if (id.startsWith('arn:')) return [id];
  const resources = Array.isArray(d.resources) ? d.resources : [];
  const arn = resources.map((r) => pick(r, 'ARN') ?? pick(r, 'arn')).find((a) => a?.endsWith(`:key/${id}`));
  return [arn ?? id];
};

export const kmsKeyMeta: RuleMeta = {
  type: 'kms-key',
  service: 'kms',
  cloudTrail: [
    {
      eventSource: 'kms.amazonaws.com',
      eventNames: ['DisableKey', 'ScheduleKeyDeletion', 'DisableKeyRotation', 'PutKeyPolicy'],
      ids: keyIds,
    },
    {
      eventSource: 'kms.amazonaws.com',
      eventNames: ['DeleteAlias', 'UpdateAlias'],
      ids: (d) => idList(pick(d, 'requestParameters', 'aliasName')),
    },
  ],
  configTypes: [],
  permissions: {
    read: ['kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:GetKeyPolicy', 'kms:ListResourceTags'],
    remediate: ['kms:CancelKeyDeletion', 'kms:EnableKey', 'kms:EnableKeyRotation'],
    quarantine: [],
  },

  // Write actions only on key ARNs of this account, and only on the policy's CMKs.
  grants: [
    {
      sid: 'KmsKeyRead',
      actions: ['kms:GetKeyRotationStatus', 'kms:GetKeyPolicy', 'kms:ListResourceTags'],
      resources: [ACCOUNT_KEYS],
    },
    {
      sid: 'KmsKeyWrite',
      actions: ['kms:CancelKeyDeletion', 'kms:EnableKey', 'kms:EnableKeyRotation'],
      resources: [ACCOUNT_KEYS],
      condition: ON_CMK,
    },
    KEY_LOOKUP,
  ],
  doc: {
    compliant:
      'each regional CMK enabled, not pending deletion, rotation on, key policy lets every keyUsers role use it, alias still names it',
    remediate: 'CancelKeyDeletion + EnableKey, EnableKey, EnableKeyRotation; never rewrites a key policy or an alias',
    quarantine: 'reported only (critical alert)',
    gates: [],
  },
  arn: (ref) => {
    if (ref.id.startsWith('arn:')) return ref.id;
    return `arn:aws:kms:${ref.region}:${ref.account}:${ref.id.startsWith('alias/') ? ref.id : `key/${ref.id}`}`;
  },
};
