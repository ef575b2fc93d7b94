import type { ReplicationConfiguration, S3Client } from '@aws-sdk/client-s3';

/**
 * Emulator only (tests and the demo). moto 5 loses two fields of a replication rule on read: SourceSelectionCriteria is
 * dropped and Filter.Prefix comes back empty (DESIGN.md §5). Real S3 returns what was
 * put. This middleware fills exactly those two fields back
 * in from the last configuration put through the same clients, so the rest of the flow runs on
 * the emulator unchanged. The SDK-mock test (test/unit/s3-replication-fields.test.ts)
 * covers those two fields against real-S3 read shapes.
 */
export const restoreDroppedReplicationFields = (clients: S3Client[]): void => {
  const written = new Map<string, ReplicationConfiguration>();
  for (const client of clients) {
    // Idempotent: the demo and tests may install it on the same cached client twice.
    if (client.middlewareStack.identify().some((n) => n.startsWith('restoreDroppedReplicationFields'))) continue;
    client.middlewareStack.add((next, context) => async (args) => {
      const input = args.input as { Bucket?: string; ReplicationConfiguration?: ReplicationConfiguration };
      if (context.commandName === 'PutBucketReplicationCommand' && input.Bucket && input.ReplicationConfiguration) {
        written.set(input.Bucket, structuredClone(input.ReplicationConfiguration));
      }
      const out = await next(args);
      const put = input.Bucket ? written.get(input.Bucket) : undefined;
      const read = (out.output as { ReplicationConfiguration?: ReplicationConfiguration }).ReplicationConfiguration;
      if (context.commandName === 'GetBucketReplicationCommand' && put && read) {
        for (const rule of read.Rules ?? []) {
          const src = put.Rules?.find((r) => r.ID === rule.ID);
          if (!src) continue;
          if (src.SourceSelectionCriteria) rule.SourceSelectionCriteria = structuredClone(src.SourceSelectionCriteria);
          if (src.Filter?.Prefix && rule.Filter && !rule.Filter.Prefix) rule.Filter.Prefix = src.Filter.Prefix;
        }
      }
      return out;
    }, { step: 'initialize', name: 'restoreDroppedReplicationFields' });
  }
};
