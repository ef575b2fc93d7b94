import { GetKeyPolicyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { translateAwsError } from '../aws/errors';
import type { RuleContext } from '../rules/contract';
import type { Grant } from './key-access';

/**
 * The regional CMK's key policy and grants: what `roleKeyAccess` judges a role against (EMR's instance role,
 * Redshift's COPY/UNLOAD roles). Read only; key policies are never rewritten.
 */
export const readCmkAccess = async (
  region: string,
  ctx: RuleContext,
): Promise<{ keyPolicy?: string; grants: Grant[] }> => {
  const cmk = await ctx.keys.regionalCmk(region);
  const kms = ctx.clients.get(KMSClient, { ...ctx.scope, region: cmk.region });
  let keyPolicy: string | undefined;
  try {
    keyPolicy = (await kms.send(new GetKeyPolicyCommand({ KeyId: cmk.arn, PolicyName: 'default' }))).Policy;
  } catch (e) {
    throw translateAwsError(e, 'kms:GetKeyPolicy', cmk.arn);
  }
  const grants: Grant[] = [];
  let marker: string | undefined;
  do {
    const out = await kms.send(new ListGrantsCommand({ KeyId: cmk.keyId, Marker: marker })).catch((e: unknown) => {
      throw translateAwsError(e, 'kms:ListGrants', cmk.arn);
    });
    for (const g of out.Grants ?? []) grants.push({ grantee: g.GranteePrincipal, operations: g.Operations ?? [] });
    marker = out.Truncated ? out.NextMarker : undefined;
  } while (marker);
  return { keyPolicy, grants };
};
