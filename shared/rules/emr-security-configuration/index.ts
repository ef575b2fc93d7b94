import { EMRClient, ListSecurityConfigurationsCommand } from '@aws-sdk/client-emr';
import { translateAwsError } from '../../aws/errors';
import { ensureCompliantCopy, readSecurityConfiguration } from '../../emr/store';
import type { Rule, RuleContext } from '../contract';
import { evaluateSecurityConfiguration, type SecurityConfigurationState } from '../../emr/security-configuration';
import { compliantCopySteps } from '../../emr/compliant-copy-plan';
import { compliantCopyName, compliantDocument, isCompliantCopyName } from '../../emr/compliant-copy';
import { NO_DOWNTIME } from '../plan';
import { emrSecurityConfigurationMeta } from './meta';

export type { SecurityConfigurationState };

const emr = (ctx: RuleContext): EMRClient => ctx.clients.get(EMRClient, ctx.scope);

/**
 * "Beginning with Amazon EMR release 5.24.0, you can use a security configuration option to encrypt EBS root device
 * and storage volumes when you specify AWS KMS as your key provider" (EMR Management Guide, encryption options).
 */
const EBS_NOTE =
  'the copy sets EnableEbsEncryption, which needs EMR release 5.24.0 or later: clusters on an earlier release cannot use it';

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
        kind: 'DONE',
        changed: false,
        detail: `No compliant copy made: ${copy.why}. A configuration cannot be edited: create a compliant one by hand`,
      };
    return {
      kind: 'REPLACED',
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
      kind: 'CANNOT',
      detail: `An EMR security configuration cannot be changed or tagged: alert only. Do not launch clusters with ${state.name}`,
    };
  },
};
