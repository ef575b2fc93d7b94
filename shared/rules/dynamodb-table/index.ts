import {
  DescribeTableCommand,
  DynamoDBClient,
  paginateListTables,
  type TableDescription,
  TagResourceCommand,
  UpdateTableCommand,
  ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import { itemsOf } from '../../aws/paginate';
import { tagRecord } from '../../aws/tags';
import type { ActionLimits, Finding, Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, read, tagQuarantine, write } from '../plan';
import { type DynamodbTableState, evaluateDynamodbTable } from './evaluate';
import { dynamodbTableMeta } from './meta';

const ddb = (ctx: RuleContext): DynamoDBClient => ctx.clients.get(DynamoDBClient, ctx.scope);

const readTable = async (name: string, ctx: RuleContext): Promise<TableDescription | undefined> => {
  try {
    return (await ddb(ctx).send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (e) {
    if (isAwsNotFound(e, 'dynamodb:DescribeTable')) return undefined;
    throw translateAwsError(e, 'dynamodb:DescribeTable', name);
  }
};

const toState = async (t: TableDescription, region: string, ctx: RuleContext): Promise<DynamodbTableState> => {
  const d = t.SSEDescription;
  const sse = d
    ? {
        status: d.Status,
        type: d.SSEType,
        keyArn: d.KMSMasterKeyArn,
        inaccessibleSince: d.InaccessibleEncryptionDateTime?.toISOString(),
      }
    : undefined;
  const kms = sse?.type === 'KMS' && sse.status !== 'DISABLED';
  return {
    name: t.TableName ?? '',
    arn: t.TableArn ?? '',
    region,
    status: t.TableStatus ?? 'UNKNOWN',
    sse,
    // SSEType KMS with no key ARN reported is the AWS-managed aws/dynamodb key.
    observedKey: kms ? await ctx.keys.observe(sse?.keyArn ?? 'alias/aws/dynamodb', region) : undefined,
  };
};

const readTags = async (arn: string, ctx: RuleContext): Promise<Record<string, string>> => {
  const tags: { Key?: string; Value?: string }[] = [];
  let token: string | undefined;
  try {
    do {
      const out = await ddb(ctx).send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: token }));
      tags.push(...(out.Tags ?? []));
      token = out.NextToken;
    } while (token);
  } catch (e) {
    throw translateAwsError(e, 'dynamodb:ListTagsOfResource', arn);
  }
  return tagRecord(tags);
};

/** Pure: a key DynamoDB cannot reach is the key owner's to restore; re-keying would not bring the data back. */
const limits = (_s: DynamodbTableState, f: Finding): ActionLimits =>
  f.reason === 'KEY_INACCESSIBLE'
    ? { remediate: "DynamoDB cannot reach the table's key: restore the key (enable it, fix its policy) first" }
    : {};

export const dynamodbTableRule: Rule<DynamodbTableState> = {
  ...dynamodbTableMeta,

  list: (ctx) => itemsOf(paginateListTables({ client: ddb(ctx) }, {}), (p) => p.TableNames, 'dynamodb:ListTables'),

  async describe(ref, ctx) {
    const t = await readTable(ref.id, ctx);
    return t ? toState(t, ref.region, ctx) : undefined;
  },

  evaluate: evaluateDynamodbTable,

  tags: (state, ctx) => readTags(state.arn, ctx),

  limits,

  plan(state, finding, ctx, action) {
    if (action === 'QUARANTINE')
      return tagQuarantine(
        'dynamodb',
        { list: 'ListTagsOfResource', tag: 'TagResource' },
        { ResourceArn: state.arn },
        { key: ctx.policy.doc.quarantineTag, value: finding.reason ?? 'NON_COMPLIANT' },
        'data untouched (a table has no public access to close)',
      );
    if (finding.reason === 'ENCRYPTION_IN_PROGRESS' || state.status !== 'ACTIVE')
      return { steps: [], downtime: NO_DOWNTIME, cost: [], notes: ['a change is in progress: no second UpdateTable'] };
    const input = { TableName: state.name };
    return {
      steps: [
        write(
          'dynamodb',
          'UpdateTable',
          { ...input, SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: ctx.cmk.arn } },
          'switch the table to the regional CMK in place',
        ),
        read('dynamodb', 'DescribeTable', input, 'see whether the switch is still UPDATING'),
      ],
      downtime: NO_DOWNTIME,
      cost: [
        {
          class: 'KMS_REQUESTS',
          basis: 'DynamoDB calls KMS per table key refresh (about one per table per 5 min of use)',
        },
      ],
      notes: ['the table stays readable and writable while DynamoDB re-encrypts it'],
    };
  },

  async remediate(state, finding, ctx) {
    if (finding.reason === 'ENCRYPTION_IN_PROGRESS' || state.status !== 'ACTIVE') {
      return {
        kind: 'PENDING',
        changed: false,
        detail: `Table ${state.status}, encryption ${state.sse?.status ?? 'default'}: a change is in progress; no second UpdateTable sent`,
      };
    }
    const cmk = await ctx.keys.regionalCmk(state.region);
    try {
      // In place: the table stays readable and writable while DynamoDB switches keys (status UPDATING).
      await ddb(ctx).send(
        new UpdateTableCommand({
          TableName: state.name,
          SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: cmk.arn },
        }),
      );
    } catch (e) {
      throw translateAwsError(e, 'dynamodb:UpdateTable', state.name);
    }
    const detail = `UpdateTable SSESpecification KMS with ${cmk.arn}; the table stays available while DynamoDB re-encrypts it`;
    const after = await readTable(state.name, ctx);
    if (after?.SSEDescription?.Status === 'UPDATING' || after?.TableStatus === 'UPDATING') {
      return {
        kind: 'PENDING',
        changed: true,
        detail: `${detail}; re-read: encryption UPDATING, done when DescribeTable reports the CMK`,
      };
    }
    return { kind: 'DONE', changed: true, detail };
  },

  async quarantine(state, finding, ctx) {
    const tagKey = ctx.policy.doc.quarantineTag;
    const tagValue = finding.reason ?? 'NON_COMPLIANT';
    const tags = await readTags(state.arn, ctx);
    // Already quarantined: the first tag stays.
    if (tags[tagKey] !== undefined)
      return {
        kind: 'DONE',
        changed: false,
        verified: true,
        detail: `Already tagged ${tagKey}=${tags[tagKey]}; data untouched`,
      };
    try {
      await ddb(ctx).send(new TagResourceCommand({ ResourceArn: state.arn, Tags: [{ Key: tagKey, Value: tagValue }] }));
    } catch (e) {
      throw translateAwsError(e, 'dynamodb:TagResource', state.arn);
    }
    const after = await readTags(state.arn, ctx);
    return {
      kind: 'DONE',
      changed: true,
      verified: after[tagKey] === tagValue,
      detail: `Tagged ${tagKey}=${tagValue}; data untouched (a table has no public access to close)`,
    };
  },
};
