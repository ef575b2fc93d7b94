import { GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import type { AwsScope } from '../../aws/clients';
import { awsErrorName, translateAwsError } from '../../aws/errors';
import type { RuleContext } from '../contract';

/**
 * Can the replication role use the keys? Amazon S3 User Guide, "Replicating encrypted objects": the role needs
 * kms:Decrypt on the source objects' key, conditioned on kms:ViaService s3.<source region>.amazonaws.com and
 * kms:EncryptionContext:aws:s3:arn, and kms:Encrypt on the replica key through s3.<destination region>, and a
 * destination key in another account must allow the role in its key policy. PutBucketReplication checks none of it:
 * a wrong answer shows only later as ReplicationStatus=FAILED on every new object.
 */
export interface KeyUse {
  action: 'kms:Decrypt' | 'kms:Encrypt';
  keyArn: string;
  bucket: string;
  region: string;
}

export interface RoleCheck {
  role: string;
  /** The uses iam:SimulatePrincipalPolicy (with the key policy) does not allow. */
  missing: KeyUse[];
  /** Key policies that could not be read (another account without the policy's member role): not proven. */
  unverifiedKeyPolicies: string[];
}

const account = (arn: string): string | undefined => arn.split(':')[4];

/** The identity-policy statement a use needs, exactly as the operator adds it to the role. Pure. */
export const roleStatement = (u: KeyUse): Record<string, unknown> => ({
  Effect: 'Allow',
  Action: u.action,
  Resource: u.keyArn,
  Condition: {
    StringLike: {
      'kms:ViaService': `s3.${u.region}.amazonaws.com`,
      'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${u.bucket}/*`,
    },
  },
});

/** The key-policy statement a key in another account needs for the role. Pure. */
export const keyPolicyStatement = (role: string, u: KeyUse): Record<string, unknown> => ({
  Sid: 'AllowS3ReplicationRole',
  Effect: 'Allow',
  Principal: { AWS: role },
  Action: u.action,
  Resource: '*',
});

/** One sentence with every statement to add, for findings and alerts. Pure. */
export const missingStatements = (c: RoleCheck): string => {
  const parts = c.missing.map((u) => {
    const cross = account(u.keyArn) !== account(c.role);
    return `${u.action} on ${u.keyArn} via S3 in ${u.region}: add to role ${c.role} ${JSON.stringify(roleStatement(u))}${cross ? ` and to that key's policy ${JSON.stringify(keyPolicyStatement(c.role, u))}` : ''}`;
  });
  const unverified = c.unverifiedKeyPolicies.map(
    (k) => `the key policy of ${k} could not be read: make sure it allows ${c.role}`,
  );
  return [...parts, ...unverified].join('; ');
};

const readKeyPolicy = async (keyArn: string, ctx: RuleContext, scope: AwsScope): Promise<string | undefined> => {
  try {
    return (
      await ctx.clients.get(KMSClient, scope).send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))
    ).Policy;
  } catch (e) {
    // Another account's key without the member role: the simulation runs on the identity policies alone, and says so.
    if (/AccessDenied/.test(awsErrorName(e) ?? '') && account(keyArn) !== ctx.scope.account) return undefined;
    throw translateAwsError(e, 'kms:GetKeyPolicy', keyArn);
  }
};

/** iam:SimulatePrincipalPolicy for each use, with the context keys S3 sends and the key's own policy. */
export const checkReplicationRole = async (
  role: string,
  uses: KeyUse[],
  ctx: RuleContext,
  keyScope: (u: KeyUse) => AwsScope,
): Promise<RoleCheck> => {
  const iam = ctx.clients.get(IAMClient, ctx.scope);
  const missing: KeyUse[] = [];
  const unverifiedKeyPolicies: string[] = [];
  for (const u of uses) {
    const keyPolicy = await readKeyPolicy(u.keyArn, ctx, keyScope(u));
    if (keyPolicy === undefined) unverifiedKeyPolicies.push(u.keyArn);
    const out = await iam
      .send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: role,
          ActionNames: [u.action],
          ResourceArns: [u.keyArn],
          ...(keyPolicy ? { ResourcePolicy: keyPolicy, ResourceOwner: `arn:aws:iam::${account(u.keyArn)}:root` } : {}),
          ContextEntries: [
            {
              ContextKeyName: 'kms:ViaService',
              ContextKeyType: 'string',
              ContextKeyValues: [`s3.${u.region}.amazonaws.com`],
            },
            {
              ContextKeyName: 'kms:EncryptionContext:aws:s3:arn',
              ContextKeyType: 'string',
              ContextKeyValues: [`arn:aws:s3:::${u.bucket}/cmk-sentinel-replication-probe`],
            },
          ],
        }),
      )
      .catch((e: unknown) => {
        throw translateAwsError(e, 'iam:SimulatePrincipalPolicy', role);
      });
    if (
      !(out.EvaluationResults ?? []).every((r) => r.EvalDecision === 'allowed') ||
      (out.EvaluationResults ?? []).length === 0
    )
      missing.push(u);
  }
  return { role, missing, unverifiedKeyPolicies };
};
