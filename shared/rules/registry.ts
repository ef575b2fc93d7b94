import type { AnyRule } from './contract';
import { kmsKeyRule } from './kms-key';
import { rdsTlsRule } from './rds-tls';
import { redshiftTlsRule } from './redshift-tls';
import { s3BucketRule } from './s3-bucket';
import { s3TlsRule } from './s3-tls';
import type { ResourceType } from './type-ids';

/** Every rule the service runs. A new type is one import and one line here. */
export const RULES: readonly AnyRule[] = [
  s3BucketRule,
  kmsKeyRule,
  s3TlsRule,
  rdsTlsRule,
  redshiftTlsRule,
];

export const ruleFor = (type: ResourceType): AnyRule | undefined => RULES.find((r) => r.type === type);
