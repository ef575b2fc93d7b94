import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  type LogGroup,
  paginateDescribeLogGroups,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { translateAwsError } from '../../aws/errors';
import { itemsOf } from '../../aws/paginate';
import type { Finding, Rule, RuleContext, VerdictOf } from '../contract';
import { group, NO_DOWNTIME, read, tagQuarantine, write } from '../plan';
import {
  evaluateLogGroup,
  isPlatformGroup,
  keyPolicyAllowsLogs,
  type LogGroupState,
  logsKeyStatement,
} from './evaluate';
import { logGroupMeta } from './meta';

const logs = (ctx: RuleContext): CloudWatchLogsClient => ctx.clients.get(CloudWatchLogsClient, ctx.scope);

/** DescribeLogGroups matches by prefix: the exact name is looked for among the matches. */
const readGroup = async (name: string, ctx: RuleContext): Promise<LogGroup | undefined> => {
  let token: string | undefined;
  try {
    do {
      const out = await logs(ctx).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, nextToken: token }));
      const hit = out.logGroups?.find((g) => g.logGroupName === name);
      if (hit) return hit;
      token = out.nextToken;
    } while (token);
  } catch (e) {
    throw translateAwsError(e, 'logs:DescribeLogGroups', name);
  }
  return undefined;
};

const toState = async (g: LogGroup, arn: string, region: string, ctx: RuleContext): Promise<LogGroupState> => {
  const keyRef = g.kmsKeyId || undefined;
  return { name: g.logGroupName ?? '', arn, region, keyRef, observedKey: await ctx.keys.observe(keyRef, region) };
};

const readTags = async (arn: string, ctx: RuleContext): Promise<Record<string, string>> => {
  try {
    return (await logs(ctx).send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? {};
  } catch (e) {
    throw translateAwsError(e, 'logs:ListTagsForResource', arn);
  }
};

const tagGroup = async (
  state: LogGroupState,
  finding: Finding,
  ctx: RuleContext,
): Promise<VerdictOf<'DONE'> & { verified: boolean }> => {
  const tagKey = ctx.policy.doc.quarantineTag;
  const tagValue = finding.reason ?? 'NON_COMPLIANT';
  const tags = await readTags(state.arn, ctx);
  if (tags[tagKey] !== undefined)
    return {
      kind: 'DONE',
      changed: false,
      verified: true,
      detail: `Already tagged ${tagKey}=${tags[tagKey]}; log data untouched`,
    };
  try {
    await logs(ctx).send(new TagResourceCommand({ resourceArn: state.arn, tags: { [tagKey]: tagValue } }));
  } catch (e) {
    throw translateAwsError(e, 'logs:TagResource', state.arn);
  }
  const after = await readTags(state.arn, ctx);
  return {
    kind: 'DONE',
    changed: true,
    verified: after[tagKey] === tagValue,
    detail: `Tagged ${tagKey}=${tagValue}; log data untouched`,
  };
};

export const logGroupRule: Rule<LogGroupState> = {
  ...logGroupMeta,

  async *list(ctx) {
    // Only the platform's groups (policy prefixes) are worth a describe; DescribeLogGroups filters by one prefix per
    // call.
    const prefixes = ctx.policy.doc.logGroups?.prefixes ?? [undefined];
    for (const prefix of prefixes) {
      const names = itemsOf(
        paginateDescribeLogGroups({ client: logs(ctx) }, { logGroupNamePrefix: prefix }),
        (p) => p.logGroups?.map((g) => g.logGroupName ?? ''),
        'logs:DescribeLogGroups',
      );
      for await (const n of names) if (n && isPlatformGroup(n, ctx.policy.doc.logGroups?.prefixes)) yield n;
    }
  },

  async describe(ref, ctx) {
    const g = await readGroup(ref.id, ctx);
    return g ? toState(g, this.arn(ref), ref.region, ctx) : undefined;
  },

  evaluate: evaluateLogGroup,

  tags: (state, ctx) => readTags(state.arn, ctx),

  plan(state, finding, ctx, action) {
    const tag = { key: ctx.policy.doc.quarantineTag, value: finding.reason ?? 'NON_COMPLIANT' };
    const quarantine = tagQuarantine(
      'cloudwatchlogs',
      { list: 'ListTagsForResource', tag: 'TagResource' },
      { resourceArn: state.arn },
      tag,
      'log data untouched',
    );
    if (action === 'QUARANTINE') return quarantine;
    return {
      steps: [
        read(
          'kms',
          'GetKeyPolicy',
          { KeyId: ctx.cmk.arn, PolicyName: 'default' },
          `check that the key policy lets logs.${state.region}.amazonaws.com use the CMK (never rewritten by us)`,
        ),
        group(
          'associate the CMK, or quarantine and say what the key policy lacks',
          [
            write(
              'cloudwatchlogs',
              'AssociateKmsKey',
              { logGroupName: state.name, kmsKeyId: ctx.cmk.arn },
              'encrypt log events ingested from now on with the CMK',
              { when: 'the key policy allows CloudWatch Logs' },
            ),
            group('quarantine instead', quarantine.steps, { when: 'it does not' }),
          ],
          { oneOf: true },
        ),
      ],
      downtime: NO_DOWNTIME,
      cost: [{ class: 'KMS_REQUESTS', basis: 'CloudWatch Logs calls KMS per data key while ingesting' }],
      notes: ['events already stored keep their previous encryption until they expire'],
    };
  },

  async remediate(state, finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    let policy: string | undefined;
    try {
      policy = (
        await ctx.clients
          .get(KMSClient, { ...ctx.scope, region: cmk.region })
          .send(new GetKeyPolicyCommand({ KeyId: cmk.arn, PolicyName: 'default' }))
      ).Policy;
    } catch (e) {
      throw translateAwsError(e, 'kms:GetKeyPolicy', cmk.arn);
    }
    // CloudWatch Logs refuses AssociateKmsKey for a key whose policy does not let logs.<region>.amazonaws.com use it:
    // the service never rewrites a key policy, so it quarantines and says what to add.
    if (!keyPolicyAllowsLogs(policy, state.region, state.arn)) {
      const tagged = await tagGroup(state, finding, ctx);
      const statement = JSON.stringify(logsKeyStatement(state.region, cmk.account));
      return {
        kind: 'TAKEN_INSTEAD',
        action: 'QUARANTINE',
        changed: tagged.changed,
        verified: tagged.verified,
        detail:
          `Not associated: the key policy of ${cmk.arn} does not let CloudWatch Logs (logs.${state.region}.amazonaws.com) use it for ${state.arn}. ` +
          `Add to the key policy: ${statement}. ${tagged.detail}`,
      };
    }
    try {
      await logs(ctx).send(new AssociateKmsKeyCommand({ logGroupName: state.name, kmsKeyId: cmk.arn }));
    } catch (e) {
      throw translateAwsError(e, 'logs:AssociateKmsKey', state.name);
    }
    // API reference, AssociateKmsKey: "Only the log events ingested after the key is associated are encrypted with that
    // key."
    return {
      kind: 'DONE',
      changed: true,
      detail: `AssociateKmsKey ${cmk.arn}: log events ingested from now on are encrypted with the CMK; events already stored keep their previous encryption until they expire`,
    };
  },

  quarantine: (state, finding, ctx) => tagGroup(state, finding, ctx),
};
