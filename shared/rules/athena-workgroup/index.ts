import {
  AthenaClient,
  GetWorkGroupCommand,
  ListTagsForResourceCommand,
  paginateListWorkGroups,
  TagResourceCommand,
  UpdateWorkGroupCommand,
  type WorkGroup,
} from '@aws-sdk/client-athena';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import { itemsOf } from '../../aws/paginate';
import { tagRecord } from '../../aws/tags';
import type { Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, tagQuarantine, write } from '../plan';
import { type AthenaWorkgroupState, evaluateAthenaWorkgroup } from './evaluate';
import { athenaWorkgroupMeta } from './meta';

const athena = (ctx: RuleContext): AthenaClient => ctx.clients.get(AthenaClient, ctx.scope);

const readWorkgroup = async (name: string, ctx: RuleContext): Promise<WorkGroup | undefined> => {
  try {
    return (await athena(ctx).send(new GetWorkGroupCommand({ WorkGroup: name }))).WorkGroup;
  } catch (e) {
    // Athena answers an unknown workgroup with InvalidRequestException (its only client error).
    if (isAwsNotFound(e, 'athena:GetWorkGroup')) return undefined;
    throw translateAwsError(e, 'athena:GetWorkGroup', name);
  }
};

const toState = async (w: WorkGroup, arn: string, region: string, ctx: RuleContext): Promise<AthenaWorkgroupState> => {
  const enc = w.Configuration?.ResultConfiguration?.EncryptionConfiguration;
  const option = enc?.EncryptionOption;
  const kms = option === 'SSE_KMS' || option === 'CSE_KMS';
  const keyRef = enc?.KmsKey || undefined;
  return {
    name: w.Name ?? '',
    arn,
    region,
    encryptionOption: option,
    keyRef,
    // SSE_KMS without a key is S3's AWS-managed aws/s3 key.
    observedKey: kms ? await ctx.keys.observe(keyRef ?? 'alias/aws/s3', region) : undefined,
    enforced: w.Configuration?.EnforceWorkGroupConfiguration === true,
  };
};

const readTags = async (arn: string, ctx: RuleContext): Promise<Record<string, string>> => {
  const tags: { Key?: string; Value?: string }[] = [];
  let token: string | undefined;
  try {
    do {
      const out = await athena(ctx).send(new ListTagsForResourceCommand({ ResourceARN: arn, NextToken: token }));
      tags.push(...(out.Tags ?? []));
      token = out.NextToken;
    } while (token);
  } catch (e) {
    throw translateAwsError(e, 'athena:ListTagsForResource', arn);
  }
  return tagRecord(tags);
};

export const athenaWorkgroupRule: Rule<AthenaWorkgroupState> = {
  ...athenaWorkgroupMeta,

  list: (ctx) =>
    itemsOf(
      paginateListWorkGroups({ client: athena(ctx) }, {}),
      (p) => p.WorkGroups?.map((w) => w.Name ?? '').filter(Boolean),
      'athena:ListWorkGroups',
    ),

  async describe(ref, ctx) {
    const w = await readWorkgroup(ref.id, ctx);
    return w ? toState(w, this.arn(ref), ref.region, ctx) : undefined;
  },

  evaluate: evaluateAthenaWorkgroup,

  tags: (state, ctx) => readTags(state.arn, ctx),

  plan(state, finding, ctx, action) {
    if (action === 'QUARANTINE')
      return tagQuarantine(
        'athena',
        { list: 'ListTagsForResource', tag: 'TagResource' },
        { ResourceARN: state.arn },
        { key: ctx.policy.doc.quarantineTag, value: finding.reason ?? 'NON_COMPLIANT' },
        'the workgroup stays enabled and results untouched',
      );
    const option = state.encryptionOption === 'CSE_KMS' ? 'CSE_KMS' : 'SSE_KMS';
    return {
      steps: [
        write(
          'athena',
          'UpdateWorkGroup',
          { WorkGroup: state.name, EncryptionOption: option, KmsKey: ctx.cmk.arn, EnforceWorkGroupConfiguration: true },
          'query results from now on encrypted with the CMK, the workgroup setting enforced',
        ),
      ],
      downtime: NO_DOWNTIME,
      cost: [{ class: 'KMS_REQUESTS', basis: 'per query result written (SSE_KMS data keys)' }],
      notes: [
        'results already written keep their encryption; result readers need kms:Decrypt on the CMK',
        ...(state.enforced ? [] : ['client-side result settings are ignored from now on']),
      ],
    };
  },

  async remediate(state, _finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    // A workgroup on client-side encryption keeps it (results are encrypted before they reach S3); anything else
    // becomes SSE_KMS.
    const option = state.encryptionOption === 'CSE_KMS' ? 'CSE_KMS' : 'SSE_KMS';
    try {
      await athena(ctx).send(
        new UpdateWorkGroupCommand({
          WorkGroup: state.name,
          ConfigurationUpdates: {
            ResultConfigurationUpdates: { EncryptionConfiguration: { EncryptionOption: option, KmsKey: cmk.arn } },
            EnforceWorkGroupConfiguration: true,
          },
        }),
      );
    } catch (e) {
      throw translateAwsError(e, 'athena:UpdateWorkGroup', state.name);
    }
    return {
      kind: 'DONE',
      changed: true,
      detail:
        `UpdateWorkGroup: query results ${option} with ${cmk.arn}, EnforceWorkGroupConfiguration on${state.enforced ? '' : ' (client-side result settings are now ignored)'}. ` +
        'Results already written keep their encryption; everyone who reads results needs kms:Decrypt (and for SSE_KMS writes kms:GenerateDataKey) on the CMK',
    };
  },

  async quarantine(state, finding, ctx) {
    const { arn } = state;
    const tagKey = ctx.policy.doc.quarantineTag;
    const tagValue = finding.reason ?? 'NON_COMPLIANT';
    const tags = await readTags(arn, ctx);
    if (tags[tagKey] !== undefined)
      return {
        kind: 'DONE',
        changed: false,
        verified: true,
        detail: `Already tagged ${tagKey}=${tags[tagKey]}; queries untouched`,
      };
    try {
      await athena(ctx).send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: tagKey, Value: tagValue }] }));
    } catch (e) {
      throw translateAwsError(e, 'athena:TagResource', arn);
    }
    const after = await readTags(arn, ctx);
    return {
      kind: 'DONE',
      changed: true,
      verified: after[tagKey] === tagValue,
      detail: `Tagged ${tagKey}=${tagValue}; the workgroup stays enabled and results untouched`,
    };
  },
};
