import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, KEY_LOOKUP, passRoleTo } from '../grants';

/** One Data Catalog per account and region: the region is its id. */
export const glueCatalogMeta: RuleMeta = {
  type: 'glue-catalog',
  service: 'glue',
  cloudTrail: [
    {
      eventSource: 'glue.amazonaws.com',
      eventNames: ['PutDataCatalogEncryptionSettings'],
      ids: (d) => idList(pick(d, 'awsRegion')),
    },
  ],
  configTypes: [],
  permissions: {
    read: ['glue:GetDataCatalogEncryptionSettings', 'kms:DescribeKey'],
    // A catalog encrypted through a service role keeps that role: writing it again passes it to Glue.
    remediate: ['glue:PutDataCatalogEncryptionSettings', 'iam:PassRole'],
    quarantine: [],
  },

  grants: [
    {
      sid: 'GlueCatalogRead',
      actions: ['glue:GetDataCatalogEncryptionSettings'],
      resources: [accountArn('glue', 'catalog')],
    },
    {
      sid: 'GlueCatalogWrite',
      actions: ['glue:PutDataCatalogEncryptionSettings'],
      resources: [accountArn('glue', 'catalog')],
    },
    passRoleTo('GlueCatalogPassRole', 'glue.amazonaws.com'),
    KEY_LOOKUP,
  ],
  doc: {
    compliant:
      'Data Catalog encryption at rest SSE-KMS and connection passwords both with the regional CMK (one per region)',
    remediate: 'PutDataCatalogEncryptionSettings with both under the CMK (a service role in use is kept)',
    quarantine: 'reported only (an account setting)',
    gates: [],
  },
  arn: (ref) => `arn:aws:glue:${ref.region}:${ref.account}:catalog`,
};
