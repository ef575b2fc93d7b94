import type { AnyRule } from './contract';
import { rdsClusterRule } from './rds-cluster';
import { rdsInstanceRule } from './rds-instance';
import { s3BucketRule } from './s3-bucket';
import type { ResourceType } from './type-ids';

/** Every rule the service runs. A new type is one import and one line here. */
export const RULES: readonly AnyRule[] = [
  s3BucketRule,
  rdsInstanceRule,
  rdsClusterRule,
];

export const ruleFor = (type: ResourceType): AnyRule | undefined => RULES.find((r) => r.type === type);
