import {
  CreateBucketCommand,
  GetObjectAclCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectVersionsCommand,
  type ObjectVersion,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import type { Outcome } from '../../shared/alerts/alert';
import { processEvent } from '../../shared/pipeline/process';
import { createKey, s3Event } from '../../testbed/estates/estate';
import { emulatorClients, onlyRules, testDeps, useEmulator } from '../support/harness';
import { DEEP } from '../support/depth';

const R = 'us-east-1';
onlyRules('s3-bucket');
const emu = useEmulator();
// CI runs a random sample; CMK_SENTINEL_PROPERTY_RUNS=N for more; CMK_SENTINEL_TEST_DEPTH=deep adds the whole
// cartesian product (5 × 5 × 2 × 2 × 2 = 200) first.
const RUNS = Number(process.env.CMK_SENTINEL_PROPERTY_RUNS ?? 60);
const FULL = DEEP;

const CLASSES: StorageClass[] = ['STANDARD', 'STANDARD_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE'];
const ENCRYPTIONS = ['NONE', 'SSE-S3', 'SSE-KMS-OTHER', 'DSSE-KMS', 'SSE-C'] as const;
type Enc = (typeof ENCRYPTIONS)[number];
const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);
const SSE_C_KEY = Buffer.alloc(32, 7).toString('base64');

interface Case {
  cls: StorageClass;
  enc: Enc;
  versioned: boolean;
  locked: boolean;
  acl: boolean;
}

const product = (): Case[] =>
  CLASSES.flatMap((cls) =>
    ENCRYPTIONS.flatMap((enc) =>
      [false, true].flatMap((versioned) =>
        [false, true].flatMap((locked) => [false, true].map((acl) => ({ cls, enc, versioned, locked, acl }))),
      ),
    ),
  );

let n = 0;
const sseCKeys = new Set<string>();

describe('property: object class × encryption × versioned × locked × ACL, on the emulator', () => {
  it('keeps what AWS promises, puts every version it can on the CMK, leaves SSE-C and DSSE untouched, reports every skip, and never calls a bucket fixed while any object is not', async () => {
    const clients = emu.clients();
    const s3 = clients.get(S3Client, { region: R });
    const cmk = (await createKey(clients, R, 'alias/data-platform')).arn;
    const other = (await createKey(clients, R, 'alias/other')).arn;
    const service = emulatorClients(emu.current.endpoint);
    const deps = testDeps(service);
    const cases: string[] = [];

    const encryptionFor = (enc: Enc): Partial<PutObjectCommandInput> =>
      ({
        NONE: {},
        'SSE-S3': { ServerSideEncryption: 'AES256' as const },
        'SSE-KMS-OTHER': { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: other },
        'DSSE-KMS': { ServerSideEncryption: 'aws:kms:dsse' as const, SSEKMSKeyId: other },
        'SSE-C': { SSECustomerAlgorithm: 'AES256', SSECustomerKey: SSE_C_KEY },
      })[enc];
    // The test's own client reads what the emulator stored; an SSE-C object only with its customer key (the service
    // has none: the emulator refuses its HEAD with 400, as S3 does).
    const heads = async (bucket: string, vs: ObjectVersion[]): Promise<HeadObjectCommandOutput[]> =>
      Promise.all(
        vs.map((v) =>
          s3.send(
            new HeadObjectCommand({
              Bucket: bucket,
              Key: v.Key,
              ...(v.VersionId && v.VersionId !== 'null' ? { VersionId: v.VersionId } : {}),
              ...(sseCKeys.has(v.Key ?? '') ? { SSECustomerAlgorithm: 'AES256', SSECustomerKey: SSE_C_KEY } : {}),
            }),
          ),
        ),
      );
    const listed = async (bucket: string) =>
      ((await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? []).sort(
        (a, b) =>
          (a.LastModified?.getTime() ?? 0) - (b.LastModified?.getTime() ?? 0) ||
          String(a.VersionId).localeCompare(String(b.VersionId)),
      );

    await fc.assert(
      fc.asyncProperty(
        fc.record<Case>({
          cls: fc.constantFrom(...CLASSES),
          enc: fc.constantFrom(...ENCRYPTIONS),
          versioned: fc.boolean(),
          locked: fc.boolean(),
          acl: fc.boolean(),
        }),
        async (c) => {
          const bucket = `prop-${n++}`;
          const key = `data/${bucket}.bin`;
          cases.push(JSON.stringify(c));
          if (c.enc === 'SSE-C') sseCKeys.add(key);
          // Object Lock needs versioning: a locked case is always a versioned bucket.
          await s3.send(
            new CreateBucketCommand({ Bucket: bucket, ...(c.locked ? { ObjectLockEnabledForBucket: true } : {}) }),
          );
          if (c.versioned && !c.locked)
            await s3.send(
              new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
            );
          const versioned = c.versioned || c.locked;
          const put = (body: string) =>
            s3.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: body,
                StorageClass: c.cls,
                Metadata: { case: bucket },
                ContentType: 'application/x-test',
                ...(c.enc === 'NONE' ? {} : encryptionFor(c.enc)),
                ...(c.acl ? { ACL: 'public-read' as const } : {}),
                ...(c.locked ? { ObjectLockLegalHoldStatus: 'ON' as const, ChecksumAlgorithm: 'CRC32' as const } : {}),
              }),
            );
          await put('one');
          if (versioned) await put('two');
          // The default after the objects: on a bucket with a default, no object is stored unencrypted (AWS and
          // emulator alike).
          await s3.send(
            new PutBucketEncryptionCommand({
              Bucket: bucket,
              ServerSideEncryptionConfiguration: {
                Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
              },
            }),
          );
          const before = await listed(bucket);
          const headsBefore = await heads(bucket, before);

          const res = await processEvent(s3Event('PutBucketEncryption', bucket, R, { id: `evt-${bucket}` }), deps);
          const o = res.outcomes[0] as Outcome;
          const after = await listed(bucket);
          const headsAfter = await heads(bucket, after);
          const data = o.data;
          expect(data).toBeDefined();
          if (!data) return;
          const skipped = Object.values(data.skipped).reduce((s, x) => s + x.count, 0);

          // No bucket reported fixed while any of its objects failed or was skipped.
          expect(o.result).toBe(data.failedCount === 0 && skipped === 0 ? 'VERIFIED' : 'INCOMPLETE');
          expect(data.failedCount).toBe(0);

          const updatable = (c.enc === 'SSE-S3' || c.enc === 'SSE-KMS-OTHER') && !c.locked;
          if (c.enc === 'SSE-S3' || c.enc === 'SSE-KMS-OTHER') {
            // UpdateObjectEncryption: same versions, same ETag, class, dates, metadata; on the CMK unless locked.
            expect(after.map((v) => v.VersionId)).toEqual(before.map((v) => v.VersionId));
            for (const [i, h] of headsAfter.entries()) {
              const b = headsBefore[i] as HeadObjectCommandOutput;
              expect([h.ETag, h.StorageClass, h.LastModified?.toISOString(), h.Metadata]).toEqual([
                b.ETag,
                b.StorageClass,
                b.LastModified?.toISOString(),
                b.Metadata,
              ]);
              if (updatable) expect([h.ServerSideEncryption, h.SSEKMSKeyId]).toEqual(['aws:kms', cmk]);
              else expect([h.ServerSideEncryption, h.SSEKMSKeyId]).toEqual([b.ServerSideEncryption, b.SSEKMSKeyId]);
            }
            expect(data.updated).toBe(updatable ? before.length : 0);
            expect(data.skipped.OBJECT_LOCKED?.count ?? 0).toBe(updatable ? 0 : before.length);
          } else if (c.enc === 'DSSE-KMS' || c.enc === 'SSE-C') {
            // Untouched: no new version, nothing re-encrypted, every version named as skipped.
            expect(after.map((v) => [v.VersionId, v.ETag])).toEqual(before.map((v) => [v.VersionId, v.ETag]));
            expect(headsAfter.map((h) => h.ServerSideEncryption)).toEqual(
              headsBefore.map((h) => h.ServerSideEncryption),
            );
            expect(data.rekeyed).toBe(0);
            expect(data.skipped[c.enc === 'SSE-C' ? 'SSE_C' : 'DSSE_KMS_OTHER_KEY']?.count).toBe(before.length);
          } else {
            const archived = ARCHIVED.has(c.cls);
            if (archived) {
              // An archived unencrypted object would need a restore: skipped, nothing written.
              expect(after.map((v) => v.VersionId)).toEqual(before.map((v) => v.VersionId));
              expect(data.copied).toBe(0);
              expect(data.skipped.ARCHIVED_UNENCRYPTED?.count).toBe(1);
              expect(data.skipped.UNENCRYPTED_OLD_VERSION?.count ?? 0).toBe(before.length - 1);
            } else {
              // Copied: one new current version on the CMK keeping class, metadata, type, ACL grants and the lock.
              expect(data.copied).toBe(1);
              const current = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
              expect(current).toMatchObject({
                ServerSideEncryption: 'aws:kms',
                SSEKMSKeyId: cmk,
                Metadata: { case: bucket },
                ContentType: 'application/x-test',
              });
              // HEAD names no class for STANDARD.
              expect(current.StorageClass ?? 'STANDARD').toBe(c.cls);
              if (c.locked) expect(current.ObjectLockLegalHoldStatus).toBe('ON');
              const grants = (await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }))).Grants ?? [];
              expect(grants.some((g) => g.Grantee?.URI?.endsWith('/AllUsers') && g.Permission === 'READ')).toBe(c.acl);
              // Versioned: every older version stays, unencrypted, named as skipped (never deleted).
              expect(after).toHaveLength(versioned ? before.length + 1 : 1);
              expect(data.skipped.UNENCRYPTED_OLD_VERSION?.count ?? 0).toBe(versioned ? before.length : 0);
            }
          }
        },
      ),
      {
        numRuns: RUNS + (FULL ? 200 : 0),
        seed: Number(process.env.CMK_SENTINEL_PROPERTY_SEED ?? 1301),
        endOnFailure: true,
        examples: FULL ? product().map((c) => [c]) : [],
      },
    );
    console.info(`[figures] S3 objects property: ${cases.length} cases, ${new Set(cases).size} distinct of 200`);
    expect(cases.length).toBe(RUNS + (FULL ? 200 : 0));
  }, 600_000);
});
