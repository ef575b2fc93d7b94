import {
  CreateSecurityConfigurationCommand,
  DescribeSecurityConfigurationCommand,
  EMRClient,
} from '@aws-sdk/client-emr';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import type { ObservedKey } from '../kms/key-resolver';
import type { RuleContext } from '../rules/contract';
import { compliantCopyName, compliantDocument, isCompliantCopyName } from './compliant-copy';
import { keyRefsOf, parseSecurityConfiguration } from './parse';
import type { SecurityConfigurationState } from './security-configuration';

// EMR security configurations as the emr-security-configuration and emr-cluster rules both read and copy them.

const emr = (ctx: RuleContext): EMRClient => ctx.clients.get(EMRClient, ctx.scope);

/** Read a configuration by name and resolve every key it names; undefined when it does not exist. */
export const readSecurityConfiguration = async (
  name: string,
  region: string,
  ctx: RuleContext,
): Promise<SecurityConfigurationState | undefined> => {
  let raw: string | undefined;
  try {
    const out = await emr(ctx).send(new DescribeSecurityConfigurationCommand({ Name: name }));
    raw = out.SecurityConfiguration;
  } catch (e) {
    if (isAwsNotFound(e, 'elasticmapreduce:DescribeSecurityConfiguration')) return undefined;
    throw translateAwsError(e, 'elasticmapreduce:DescribeSecurityConfiguration', name);
  }
  const parsed = parseSecurityConfiguration(raw);
  const keys: Record<string, ObservedKey> = {};
  if (parsed.ok) {
    for (const ref of keyRefsOf(parsed.settings)) {
      const observed = await ctx.keys.observe(ref, region);
      if (observed) keys[ref] = observed;
    }
  }
  return { name, region, parsed, keys };
};

/** `tlsFromPolicy`: the copy's in-transit TLS uses the policy's certificate provider (its type), not the original's. */
export type CopyResult = { name: string; created: boolean; tlsFromPolicy?: string } | { name: string; why: string };

/**
 * Make sure the compliant copy of a configuration exists, under its deterministic
 * name: created once, found (and left alone) afterwards. The original is never touched.
 */
export const ensureCompliantCopy = async (state: SecurityConfigurationState, ctx: RuleContext): Promise<CopyResult> => {
  const cmk = await ctx.keys.regionalCmk(state.region);
  const name = compliantCopyName(state.name, cmk);
  if (isCompliantCopyName(state.name, cmk))
    return { name: state.name, why: `${state.name} is itself cmk-sentinel's copy; a copy is not copied again` };
  if (await readSecurityConfiguration(name, state.region, ctx)) return { name, created: false };
  const doc = compliantDocument(state.parsed, cmk, ctx.policy.doc.emr?.tlsCertificateProvider);
  if (!doc.ok) return { name, why: doc.why };
  try {
    await emr(ctx).send(
      new CreateSecurityConfigurationCommand({ Name: name, SecurityConfiguration: JSON.stringify(doc.doc) }),
    );
    const parsed = state.parsed.ok ? state.parsed.settings : undefined;
    const fromPolicy =
      parsed && !parsed.inTransit && !parsed.tlsCertificate
        ? ctx.policy.doc.emr?.tlsCertificateProvider?.type
        : undefined;
    return { name, created: true, ...(fromPolicy ? { tlsFromPolicy: fromPolicy } : {}) };
  } catch (e) {
    // A concurrent delivery of the same event made it first: that is the same copy.
    const message = (e as Error).message ?? '';
    if (awsErrorName(e) === 'InvalidRequestException' && /already exists/i.test(message))
      return { name, created: false };
    // EMR answers a document it will not accept with InvalidRequestException, which elsewhere means "not found".
    if (awsErrorName(e) === 'InvalidRequestException') {
      throw new SentinelError('AWS_ERROR', `EMR refused the compliant copy ${name}: ${message.slice(0, 200)}`, {
        cause: e,
        details: { action: 'elasticmapreduce:CreateSecurityConfiguration', resource: name },
      });
    }
    throw translateAwsError(e, 'elasticmapreduce:CreateSecurityConfiguration', name);
  }
};
