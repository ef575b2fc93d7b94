import { pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, KEY_LOOKUP } from '../grants';

export const athenaWorkgroupArn = (region: string, account: string, name: string): string =>
  `arn:aws:athena:${region}:${account}:workgroup/${name}`;

export const athenaWorkgroupMeta: RuleMeta = {
  type: 'athena-workgroup',
  service: 'athena',
  cloudTrail: [
    {
      eventSource: 'athena.amazonaws.com',
      eventNames: ['CreateWorkGroup', 'UpdateWorkGroup'],
      // CreateWorkGroup names it `name`, UpdateWorkGroup `workGroup`.
      ids: (d) => {
        const id = pick(d, 'requestParameters', 'workGroup') ?? pick(d, 'requestParameters', 'name');
        return id ? [id] : [];
      },
    },
  ],
  configTypes: ['AWS::Athena::WorkGroup'],
  permissions: {
    read: ['athena:ListWorkGroups', 'athena:GetWorkGroup', 'athena:ListTagsForResource', 'kms:DescribeKey'],
    remediate: ['athena:UpdateWorkGroup'],
    quarantine: ['athena:TagResource'],
  },

  grants: [
    {
      sid: 'AthenaWorkgroupRead',
      actions: ['athena:ListWorkGroups', 'athena:GetWorkGroup', 'athena:ListTagsForResource'],
      resources: ['*'],
    },
    {
      sid: 'AthenaWorkgroupWrite',
      actions: ['athena:UpdateWorkGroup', 'athena:TagResource'],
      resources: [accountArn('athena', 'workgroup/*')],
    },
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'query results SSE_KMS or CSE_KMS with the regional CMK, and the workgroup enforces its configuration',
    remediate: 'UpdateWorkGroup with the CMK and enforcement on; the output location kept',
    quarantine: 'tag (the workgroup stays enabled)',
    gates: [],
  },
  arn: (ref) => athenaWorkgroupArn(ref.region, ref.account, ref.id),
};
