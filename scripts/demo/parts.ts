import type { DemoPart } from './context';
import { emrDemo } from './emr';
import { dbSnapshotsDemo } from './db-snapshots';
import { crossRegionDemo } from './cross-region';
import { dataPlatformDemo } from './data-platform';
import { kmsTlsDemo } from './kms-tls';
import { rdsDatabaseDemo } from './rds-database';
import { s3BucketDemo } from './s3-bucket';
import { verdictsDemo } from '../../testbed/estates/estate-verdicts';

/** The demo's sections, in the order they run. A new rule adds its part here. */
export const DEMO_PARTS: readonly DemoPart[] = [
  s3BucketDemo,
  emrDemo,
  dbSnapshotsDemo,
  crossRegionDemo,
  kmsTlsDemo,
  rdsDatabaseDemo,
  dataPlatformDemo,
  verdictsDemo,
];
