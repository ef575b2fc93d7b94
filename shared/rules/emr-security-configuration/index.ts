import {
  CreateSecurityConfigurationCommand,
  DescribeSecurityConfigurationCommand,
  EMRClient,
  ListSecurityConfigurationsCommand,
} from '@aws-sdk/client-emr';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import { SentinelError } from '../../errors';
import type { ObservedKey } from '../../kms/key-resolver';
import type { Rule, RuleContext } from '../contract';
import type { KeyInfo } from '../../kms/key-resolver';
import type { Policy } from '../../policy/policy';
import { NO_DOWNTIME, type PlanStep, read, write } from '../plan';
import { compliantCopyName, compliantDocument, isCompliantCopyName } from './compliant-copy';
import { evaluateSecurityConfiguration, type SecurityConfigurationState } from './evaluate';
import { keyRefsOf, parseSecurityConfiguration } from './parse';
import { emrSecurityConfigurationMeta } from './meta';

export type { SecurityConfigurationState };

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
/**
 * "Beginning with Amazon EMR release 5.24.0, you can use a security configuration option to encrypt EBS root device
 * and storage volumes when you specify AWS KMS as your key provider" (EMR Management Guide, encryption options).
 */
const EBS_NOTE =
  'the copy sets EnableEbsEncryption, which needs EMR release 5.24.0 or later: clusters on an earlier release cannot use it';

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

/** The calls of ensureCompliantCopy, in order: look for the copy, create it when missing (and possible). */
export const compliantCopySteps = (state: SecurityConfigurationState, cmk: KeyInfo, policy: Policy): PlanStep[] => {
  if (isCompliantCopyName(state.name, cmk)) return [];
  const name = compliantCopyName(state.name, cmk);
  const doc = compliantDocument(state.parsed, cmk, policy.doc.emr?.tlsCertificateProvider);
  return [
    read('emr', 'DescribeSecurityConfiguration', { Name: name }, 'see whether the compliant copy exists already'),
    ...(doc.ok
      ? [
          write(
            'emr',
            'CreateSecurityConfiguration',
            { Name: name },
            `create the compliant copy beside ${state.name} (kept) with the regional CMK`,
            { times: 'optional', when: 'the copy does not exist yet' },
          ),
        ]
      : []),
  ];
};

export const emrSecurityConfigurationRule: Rule<SecurityConfigurationState> = {
  ...emrSecurityConfigurationMeta,

  async *list(ctx) {
    let marker: string | undefined;
    do {
      const out = await emr(ctx)
        .send(new ListSecurityConfigurationsCommand({ Marker: marker }))
        .catch((e: unknown) => {
          throw translateAwsError(e, 'elasticmapreduce:ListSecurityConfigurations');
        });
      for (const c of out.SecurityConfigurations ?? []) if (c.Name) yield c.Name;
      marker = out.Marker;
    } while (marker);
  },

  describe: (ref, ctx) => readSecurityConfiguration(ref.id, ref.region, ctx),

  evaluate: evaluateSecurityConfiguration,

  // EMR security configurations cannot carry tags: none is ever exempt.
  tags: async () => ({}),

  plan(state, _finding, ctx, action) {
    if (action === 'QUARANTINE')
      return {
        steps: [],
        downtime: NO_DOWNTIME,
        cost: [],
        notes: ['a security configuration cannot be changed or tagged: alert only'],
      };
    const name = compliantCopyName(state.name, ctx.cmk);
    const none = (why: string) => ({ steps: [], downtime: NO_DOWNTIME, cost: [], notes: [`no copy made: ${why}`] });
    if (isCompliantCopyName(state.name, ctx.cmk)) return none(`${state.name} is itself cmk-sentinel's copy`);
    const doc = compliantDocument(state.parsed, ctx.cmk, ctx.policy.doc.emr?.tlsCertificateProvider);
    return {
      steps: compliantCopySteps(state, ctx.cmk, ctx.policy),
      downtime: NO_DOWNTIME,
      cost: [{ class: 'API_REQUESTS', basis: 'one or two EMR calls; clusters launched with the copy use the CMK' }],
      notes: [
        doc.ok ? `launch clusters with ${name} instead of ${state.name}; ${EBS_NOTE}` : `no copy possible: ${doc.why}`,
      ],
    };
  },

  async remediate(state, _finding, ctx) {
    const copy = await ensureCompliantCopy(state, ctx);
    if ('why' in copy)
      return {
        changed: false,
        detail: `No compliant copy made: ${copy.why}. A configuration cannot be edited: create a compliant one by hand`,
      };
    return {
      changed: copy.created,
      replacement: copy.name,
      detail: `${
        copy.created
          ? `A configuration cannot be edited: created ${copy.name} beside it with the regional CMK (same settings otherwise${copy.tlsFromPolicy ? `; in-transit TLS with the policy's ${copy.tlsFromPolicy} certificate provider` : ''}); launch clusters with ${copy.name} instead of ${state.name}, which is kept`
          : `The compliant copy ${copy.name} already exists: launch clusters with it instead of ${state.name}`
      }; ${EBS_NOTE}`,
    };
  },

  async quarantine(state) {
    return {
      changed: true,
      taken: 'REPORT',
      detail: `An EMR security configuration cannot be changed or tagged: alert only. Do not launch clusters with ${state.name}`,
    };
  },
};
