import { ACCOUNT_KEYS, accountArn, type IamGrant, ON_CMK } from '../../rules/grants';

const rds = (resource: string): string => accountArn('rds', resource);
const here = (resource: string): string => `arn:\${AWS::Partition}:rds:\${AWS::Region}:\${AWS::AccountId}:${resource}`;

/**
 * What the RDS/Aurora re-encryption workflow's steps send (steps.ts, blue-green.ts), scoped: the workflow-step role
 * holds these, and so does a member account's role (a member's databases are re-encrypted in that account). The
 * approval grants name the central stack's own table and task tokens (`home`).
 */
export const RDS_REENCRYPT_GRANTS: readonly IamGrant[] = [
  {
    sid: 'RdsReencryptRead',
    actions: [
      'rds:DescribeDBInstances',
      'rds:DescribeDBClusters',
      'rds:DescribeDBSnapshots',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusterEndpoints',
      'kms:DescribeKey',
    ],
    resources: ['*'],
  },
  // The route step names the RDS Proxies that target the database (proxies.ts). Both are List actions on the proxy
  // (DescribeDBProxyTargets also on its target-group) in the Service Authorization Reference; the proxies are not
  // known in advance, so any in the account.
  {
    sid: 'RdsReencryptProxies',
    actions: ['rds:DescribeDBProxies', 'rds:DescribeDBProxyTargets'],
    resources: [rds('db-proxy:*'), rds('target-group:*')],
  },
  // The restore fallback carries IAM role associations (AddRoleTo*) and custom endpoints (carry.ts).
  {
    sid: 'RdsReencryptInstances',
    actions: [
      'rds:CreateDBSnapshot',
      'rds:RestoreDBInstanceFromDBSnapshot',
      'rds:CreateDBInstance',
      'rds:ModifyDBInstance',
      'rds:DeleteDBInstance',
      'rds:AddTagsToResource',
      'rds:AddRoleToDBInstance',
    ],
    resources: [rds('db:*')],
  },
  {
    sid: 'RdsReencryptClusters',
    actions: [
      'rds:CreateDBClusterSnapshot',
      'rds:RestoreDBClusterFromSnapshot',
      'rds:CreateDBInstance',
      'rds:ModifyDBCluster',
      'rds:DeleteDBCluster',
      'rds:AddTagsToResource',
      'rds:AddRoleToDBCluster',
      'rds:CreateDBClusterEndpoint',
    ],
    resources: [rds('cluster:*')],
  },
  {
    sid: 'RdsReencryptClusterEndpoints',
    actions: ['rds:CreateDBClusterEndpoint'],
    resources: [rds('cluster-endpoint:*')],
  },
  {
    sid: 'RdsReencryptSnapshots',
    actions: [
      'rds:CreateDBSnapshot',
      'rds:CopyDBSnapshot',
      'rds:RestoreDBInstanceFromDBSnapshot',
      'rds:DeleteDBSnapshot',
      'rds:AddTagsToResource',
    ],
    resources: [rds('snapshot:*')],
  },
  // DeleteDBCluster with a final snapshot: authorized on the cluster and on the cluster-snapshot (Service
  // Authorization Reference, RDS).
  {
    sid: 'RdsReencryptClusterSnapshots',
    actions: [
      'rds:CreateDBClusterSnapshot',
      'rds:RestoreDBClusterFromSnapshot',
      'rds:DeleteDBClusterSnapshot',
      'rds:AddTagsToResource',
      'rds:DeleteDBCluster',
    ],
    resources: [rds('cluster-snapshot:*')],
  },
  {
    sid: 'RdsReencryptRestoreInto',
    actions: [
      'rds:RestoreDBInstanceFromDBSnapshot',
      'rds:RestoreDBClusterFromSnapshot',
      'rds:CreateDBInstance',
      'rds:ModifyDBInstance',
      'rds:ModifyDBCluster',
    ],
    resources: [rds('subgrp:*'), rds('secgrp:*'), rds('pg:*'), rds('cluster-pg:*'), rds('og:*')],
  },
  // Blue/Green with TargetKmsKeyId (blue-green.ts): green is created, switched over and the deployment deleted by RDS
  // on the caller's behalf, so the caller also needs the instance/cluster actions RDS runs
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-creating.html).
  {
    sid: 'RdsBlueGreen',
    actions: [
      'rds:CreateBlueGreenDeployment',
      'rds:DescribeBlueGreenDeployments',
      'rds:SwitchoverBlueGreenDeployment',
      'rds:DeleteBlueGreenDeployment',
      'rds:AddTagsToResource',
      'rds:CreateDBInstanceReadReplica',
      'rds:CreateDBInstance',
      'rds:CreateDBCluster',
      'rds:ModifyDBInstance',
      'rds:ModifyDBCluster',
      'rds:PromoteReadReplica',
      'rds:PromoteReadReplicaDBCluster',
      'rds:CreateDBClusterEndpoint',
      'rds:DeleteDBClusterEndpoint',
      'rds:DeleteDBInstance',
      'rds:DeleteDBCluster',
    ],
    resources: [
      here('deployment:*'),
      here('db:*'),
      here('cluster:*'),
      here('pg:*'),
      here('cluster-pg:*'),
      here('og:*'),
      here('subgrp:*'),
      here('cluster-endpoint:*'),
    ],
  },
  // The switchover approval: the requestApproval step records its task token (approval#<execution>); a decision
  // (this function's { execution, decision } event) reads it and completes the task.
  {
    sid: 'ApprovalTokens',
    actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
    resources: ['${IdempotencyTable.Arn}'],
    home: true,
  },
  // These actions have no resource type (service authorization reference): the token is the scope.
  {
    sid: 'ApprovalDecision',
    actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
    resources: ['*'],
    home: true,
  },
  // RDS uses the CMK on the caller's behalf through grants.
  {
    sid: 'RdsReencryptKeyGrants',
    actions: ['kms:CreateGrant'],
    resources: [ACCOUNT_KEYS],
    condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, ...ON_CMK },
  },
  // Re-keying away from a customer-managed key that is not the CMK: RDS uses the OLD key on the caller's behalf.
  {
    sid: 'RdsReencryptFromOldKeys',
    actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:RetireGrant'],
    resources: [ACCOUNT_KEYS],
    condition: { StringLike: { 'kms:ViaService': ['rds.*.amazonaws.com'] } },
  },
  // Enhanced monitoring is carried over: the monitoring role is passed to RDS only.
  {
    sid: 'RdsReencryptMonitoringRole',
    actions: ['iam:PassRole'],
    resources: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'],
    condition: { StringEquals: { 'iam:PassedToService': 'monitoring.rds.amazonaws.com' } },
  },
  // The original's feature roles (S3 import/export, Lambda, ...) re-associated with the copy: passed to RDS only.
  {
    sid: 'RdsReencryptFeatureRoles',
    actions: ['iam:PassRole'],
    resources: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'],
    condition: { StringEquals: { 'iam:PassedToService': 'rds.amazonaws.com' } },
  },
];
