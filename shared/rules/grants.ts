/**
 * The IAM statements a rule's role needs, declared beside its permissions in its meta.ts: the deployment generates
 * the rules' statements of the central roles and of the member role from these (scripts/deploy/), so no template
 * repeats them by hand.
 *
 * Resources and condition values are CloudFormation `Fn::Sub` strings: the pseudo parameters (`${AWS::Partition}`,
 * `${AWS::AccountId}`, `${AWS::Region}`) and two deployment parameters, `${CmkAlias}` (the policy's cmk.alias: every
 * KMS write on the CMK is held to it with kms:ResourceAliases) and `${BatchRoleName}` (objects.batchRoleName). A grant
 * on the central stack's own resources (`home`: the re-encryption state machine) goes to the central roles only.
 */
export interface IamGrant {
  /** Unique across the rules; two rules that need the same statement share its Sid and must declare it identically. */
  sid: string;
  actions: readonly string[];
  resources: readonly string[];
  condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
  /** Names the central stack's resources: never part of a member account's role. */
  home?: boolean;
}

/** Resources of `service` of this account, in every region (one stack's sweep covers every region of the policy). */
export const accountArn = (service: string, resource: string): string =>
  `arn:\${AWS::Partition}:${service}:*:\${AWS::AccountId}:${resource}`;

export const ACCOUNT_KEYS = accountArn('kms', 'key/*');

/** Only the policy's CMKs (by their alias), not every key in the account. */
export const ON_CMK = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': '${CmkAlias}' } } as const;

/** Key resolution: every rule that reads a resource's key describes it. */
export const KEY_LOOKUP: IamGrant = { sid: 'KeyLookup', actions: ['kms:DescribeKey'], resources: ['*'] };

/** RDS, Redshift, DynamoDB, Firehose encrypt with the CMK through grants they create on the caller's behalf. */
export const CMK_GRANTS: IamGrant = {
  sid: 'CmkGrants',
  actions: ['kms:CreateGrant'],
  resources: [ACCOUNT_KEYS],
  condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, ...ON_CMK },
};

/**
 * Re-keying away from a customer-managed key that is not the CMK (snapshot copy, restore, Redshift ModifyCluster):
 * the service uses the OLD key on the caller's behalf (grant, describe; Redshift also Decrypt, GenerateDataKey,
 * RetireGrant, its dependent actions), only through that service.
 */
export const fromOldKeys = (service: 'rds' | 'redshift'): IamGrant => ({
  sid: service === 'rds' ? 'RdsRekeyFromOldKeys' : 'RedshiftRekeyFromOldKeys',
  actions: [
    'kms:CreateGrant',
    'kms:DescribeKey',
    ...(service === 'redshift' ? ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:RetireGrant'] : []),
  ],
  resources: [ACCOUNT_KEYS],
  condition: { StringLike: { 'kms:ViaService': [`${service}.*.amazonaws.com`] } },
});

/** iam:PassRole on this account's roles, to one service only. */
export const passRoleTo = (sid: string, service: string, role = '*'): IamGrant => ({
  sid,
  actions: ['iam:PassRole'],
  resources: [`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${role}`],
  condition: { StringEquals: { 'iam:PassedToService': service } },
});

export const S3_BUCKETS = 'arn:${AWS::Partition}:s3:::*';
export const S3_OBJECTS = 'arn:${AWS::Partition}:s3:::*/*';
