import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsScope, ClientFactory } from './clients';
import { translateAwsError } from './errors';

/** The buckets of the scope's region: every S3 rule lists the same way. */
export async function* bucketsInRegion(clients: ClientFactory, scope: AwsScope): AsyncIterable<string> {
  // Without MaxBuckets: the emulator returns no continuation token when it is set.
  const out = await clients.get(S3Client, scope).send(new ListBucketsCommand({ BucketRegion: scope.region })).catch((e: unknown) => {
    throw translateAwsError(e, 's3:ListAllMyBuckets');
  });
  for (const b of out.Buckets ?? []) {
    if (b.Name && (!b.BucketRegion || b.BucketRegion === scope.region)) yield b.Name;
  }
}
