import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { createBucket, createKey } from '../../testbed/estates/estate';
import { useEmulator } from '../support/harness';
import { DEMO_POLICY_PATH } from '../../testbed/demo-policy';

// IAM enforced (moto): the handler takes its credentials from the environment, as on Lambda: the on-change role's.
const emu = useEmulator({ iam: true });
const saved = { ...process.env };
const sample = (name: string) => join(__dirname, '..', '..', 'events', 's3-bucket', name);
const context = {
  functionName: 'on-change',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  process.env.AWS_ENDPOINT_URL = emu.current.endpoint;
  const role = emu.credentials?.('onChange');
  if (role)
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: role.accessKeyId,
      AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
      AWS_SESSION_TOKEN: role.sessionToken,
    });
  const topic = await emu
    .clients()
    .get(SNSClient, { region: 'us-east-1' })
    .send(new CreateTopicCommand({ Name: 'alerts' }));
  process.env.ALERT_TOPIC_ARN = topic.TopicArn;
  process.env.CMK_SENTINEL_POLICY = DEMO_POLICY_PATH;
  await createKey(emu.clients(), 'us-east-1', 'alias/data-platform');
});
afterAll(() => {
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) process.env[k] = saved[k];
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.ALERT_TOPIC_ARN;
});

const keyOf = async (bucket: string) =>
  (
    await emu
      .clients()
      .get(S3Client, { region: 'us-east-1' })
      .send(new GetBucketEncryptionCommand({ Bucket: bucket }))
  ).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;

describe('on-change Lambda handler (middy + Powertools), endpoint from the environment', () => {
  it('fixes the bucket named by the sample event and returns the outcome', async () => {
    await createBucket(emu.clients(), 'us-east-1', 'example-data-lake', { kind: 'sse-s3' });
    const { handler } = await import('../../functions/on-change/handler');
    const event = JSON.parse(readFileSync(sample('CreateBucket.json'), 'utf8'));
    const result = await handler(event, context);
    expect(result.outcomes[0]).toMatchObject({ status: 'NON_COMPLIANT', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(await keyOf('example-data-lake')).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
  });

  it('returns (does not throw) for malformed input, so EventBridge does not retry garbage', async () => {
    const { handler } = await import('../../functions/on-change/handler');
    await expect(handler({ nonsense: true } as never, context)).resolves.toMatchObject({
      kind: 'invalid',
      error: { code: 'INVALID_EVENT' },
    });
  });
});

describe('cmk-sentinel handle (CLI)', () => {
  it('runs a sample event file and prints the outcome as JSON', async () => {
    await createBucket(emu.clients(), 'us-east-1', 'cli-bucket');
    const event = JSON.parse(readFileSync(sample('PutBucketEncryption.json'), 'utf8'));
    event.detail.requestParameters.bucketName = 'cli-bucket';
    const file = join(tmpdir(), `evt-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(event));
    const out: string[] = [];
    const code = await main(['handle', file], (s) => out.push(s));
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n')).outcomes[0]).toMatchObject({ ref: { id: 'cli-bucket' }, result: 'VERIFIED' });
  });

  it('exits 1 with a structured error for a file that is not JSON, and 2 for an unknown command', async () => {
    const out: string[] = [];
    expect(await main(['handle', __filename], (s) => out.push(s))).toBe(1);
    expect(JSON.parse(out[0] as string).error.code).toBe('INVALID_EVENT');
    expect(await main(['frobnicate'], () => undefined)).toBe(2);
  });
});
