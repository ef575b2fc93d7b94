import type { DemoPart } from './context';
import { rdsDatabaseDemo } from './rds-database';
import { s3BucketDemo } from './s3-bucket';

/** The demo's sections, in the order they run. A new rule adds its part here. */
export const DEMO_PARTS: readonly DemoPart[] = [
  s3BucketDemo,
  rdsDatabaseDemo,
];
