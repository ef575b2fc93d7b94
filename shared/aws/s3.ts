import { ListBucketsCommand, type ListBucketsCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { AwsScope, ClientFactory } from './clients';
import { translateAwsError } from './errors';

/**
 * The buckets of the scope's region: every S3 rule lists the same way. ListBuckets answers at most
 * 10,000 buckets a page and a `ContinuationToken` for the rest (S3 API reference, ListBuckets): followed
 * to the end, so a region with more buckets is not cut short. Without MaxBuckets (the page size is then
 * AWS's): the emulator returns no continuation token when it is set.
 */
export async function* bucketsInRegion(clients: ClientFactory, scope: AwsScope): AsyncIterable<string> {
  const s3 = clients.get(S3Client, scope);
  let token: string | undefined;
  do {
    const out: ListBucketsCommandOutput = await s3
      .send(new ListBucketsCommand({ BucketRegion: scope.region, ContinuationToken: token }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 's3:ListAllMyBuckets');
      });
    for (const b of out.Buckets ?? []) {
      if (b.Name && (!b.BucketRegion || b.BucketRegion === scope.region)) yield b.Name;
    }
    token = out.ContinuationToken || undefined;
  } while (token);
}
