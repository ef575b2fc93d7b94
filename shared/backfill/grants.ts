import type { IamGrant } from '../rules/grants';

/**
 * backfill.config: the sweep's inventory from AWS Config (config-inventory.ts), in the swept account (a member's
 * through its member role): the recorder, the discovered resources and their configuration items, 100 per call; the
 * buckets carrying the objects marker tag (Config's batch reads leave tags out). The aggregate reads name the
 * aggregator of the central account (`home`).
 */
export const CONFIG_INVENTORY_GRANTS: readonly IamGrant[] = [
  {
    sid: 'ConfigInventory',
    actions: [
      'config:DescribeConfigurationRecorders',
      'config:DescribeConfigurationRecorderStatus',
      'config:ListDiscoveredResources',
      'config:BatchGetResourceConfig',
      'tag:GetResources',
    ],
    resources: ['*'],
  },
  {
    sid: 'ConfigAggregateInventory',
    actions: ['config:ListAggregateDiscoveredResources', 'config:BatchGetAggregateResourceConfig'],
    resources: ['arn:${AWS::Partition}:config:*:${AWS::AccountId}:config-aggregator/*'],
    home: true,
  },
];
