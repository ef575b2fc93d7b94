import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, CMK_GRANTS, KEY_LOOKUP } from '../grants';

export const dynamodbTableArn = (region: string, account: string, name: string): string =>
  `arn:aws:dynamodb:${region}:${account}:table/${name}`;

export const dynamodbTableMeta: RuleMeta = {
  type: 'dynamodb-table',
  service: 'dynamodb',
  cloudTrail: [
    {
      eventSource: 'dynamodb.amazonaws.com',
      eventNames: ['CreateTable', 'UpdateTable'],
      ids: (d) => idList(pick(d, 'requestParameters', 'tableName')),
    },
  ],
  configTypes: ['AWS::DynamoDB::Table'],
  permissions: {
    read: ['dynamodb:ListTables', 'dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource', 'kms:DescribeKey'],
    // DynamoDB uses the CMK through a grant it creates for the caller (kms:GrantIsForAWSResource).
    remediate: ['dynamodb:UpdateTable', 'kms:CreateGrant'],
    quarantine: ['dynamodb:TagResource'],
  },

  grants: [
    {
      sid: 'DynamodbTableRead',
      actions: ['dynamodb:ListTables', 'dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource'],
      resources: ['*'],
    },
    {
      sid: 'DynamodbTableWrite',
      actions: ['dynamodb:UpdateTable', 'dynamodb:TagResource'],
      resources: [accountArn('dynamodb', 'table/*')],
    },
    CMK_GRANTS,
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'SSE KMS with the regional CMK (not the AWS-owned default, not aws/dynamodb)',
    remediate: 'UpdateTable SSESpecification with the CMK ARN in place; PENDING while SSE is UPDATING',
    quarantine: 'tag; data untouched',
    gates: [],
  },
  arn: (ref) => dynamodbTableArn(ref.region, ref.account, ref.id),
};
