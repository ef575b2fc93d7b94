import { DEMO_WAIVER } from './waivers';
import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { type EventResult, processEvent } from '../../shared/pipeline/process';
import { type BucketEncryption, createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { shortKey, table } from '../../cli/table';
import type { DemoPart } from './context';

export const s3BucketDemo: DemoPart = {
  title: 'S3 bucket default encryption',
  covers: ['s3-bucket'],
  async run(ctx) {
    const [east, west] = ctx.regions;
    const { clients } = ctx;
    const cmkEast = ctx.cmks[east] as { arn: string };
    const cmkWest = ctx.cmks[west] as { arn: string };
    const otherKey = await createKey(clients, east, 'alias/team-scratch', 'some other team key');
    ctx.keyNames[otherKey.arn] = 'other key (us-east-1)';

    const estate: {
      name: string;
      region: string;
      enc: BucketEncryption;
      tags?: Record<string, string>;
      state: string;
      fix: boolean;
    }[] = [
      { name: 'raw-landing', region: east, enc: { kind: 'none' }, state: 'no default encryption', fix: true },
      { name: 'clickstream', region: east, enc: { kind: 'sse-s3' }, state: 'SSE-S3 (AWS default)', fix: true },
      { name: 'curated', region: east, enc: { kind: 'kms' }, state: 'aws:kms, no key id (aws/s3)', fix: true },
      { name: 'exports', region: east, enc: { kind: 'kms', keyId: 'alias/aws/s3' }, state: 'aws/s3 alias', fix: true },
      {
        name: 'ml-features',
        region: east,
        enc: { kind: 'kms', keyId: otherKey.keyId },
        state: 'another CMK, by key id',
        fix: true,
      },
      {
        name: 'reports-eu-key',
        region: east,
        enc: { kind: 'kms', keyId: cmkWest.arn },
        state: 'the eu-west-1 CMK',
        fix: true,
      },
      {
        name: 'audit-no-bucket-key',
        region: east,
        enc: { kind: 'kms', keyId: 'alias/data-platform', bucketKey: false },
        state: 'CMK, bucket key off',
        fix: true,
      },
      {
        name: 'warehouse',
        region: east,
        enc: { kind: 'kms', keyId: cmkEast.arn },
        state: 'CMK by ARN (compliant)',
        fix: false,
      },
      {
        name: 'legal-hold',
        region: east,
        enc: { kind: 'sse-s3' },
        tags: { 'cmk-sentinel:exempt': DEMO_WAIVER },
        state: 'SSE-S3, exempt',
        fix: false,
      },
      { name: 'eu-customers', region: west, enc: { kind: 'sse-s3' }, state: 'SSE-S3 (AWS default)', fix: true },
      {
        name: 'eu-archive',
        region: west,
        enc: { kind: 'kms', keyId: 'alias/data-platform' },
        state: 'CMK by alias (compliant)',
        fix: false,
      },
    ];
    for (const b of estate) await createBucket(clients, b.region, b.name, b.enc, b.tags);

    const keyOf = async (bucket: string, region: string): Promise<string> => {
      try {
        const out = await clients.get(S3Client, { region }).send(new GetBucketEncryptionCommand({ Bucket: bucket }));
        const d = out.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
        return d?.SSEAlgorithm === 'aws:kms'
          ? shortKey(d.KMSMasterKeyID ?? 'aws/s3', ctx.keyNames)
          : (d?.SSEAlgorithm ?? 'none');
      } catch {
        return 'none';
      }
    };
    const before = await Promise.all(estate.map((b) => keyOf(b.name, b.region)));
    const results: EventResult[] = [];
    for (const b of estate) {
      results.push(
        await processEvent(
          s3Event(b.enc.kind === 'none' ? 'CreateBucket' : 'PutBucketEncryption', b.name, b.region),
          ctx.deps,
        ),
      );
    }
    const after = await Promise.all(estate.map((b) => keyOf(b.name, b.region)));
    ctx.print(
      table(
        ['bucket', 'region', 'drift', 'before', 'finding', 'action', 'after'],
        estate.map((b, i) => {
          // CreateBucket reaches the TLS and replication rules too: this table is the default-encryption rule's.
          const o = results[i]?.outcomes.find((x) => x.ref.type === 's3-bucket');
          return [
            b.name,
            b.region,
            b.state,
            before[i] ?? '',
            o ? `${o.status}${o.reason ? ` ${o.reason}` : ''}` : '-',
            o ? `${o.action} ${o.result}` : '-',
            after[i] ?? '',
          ];
        }),
      ),
    );
    const expected = estate.filter((b) => b.fix);
    return {
      expected: expected.length,
      done: expected.filter((b) => after[estate.indexOf(b)] === `CMK ${b.region}`).length,
    };
  },
};
