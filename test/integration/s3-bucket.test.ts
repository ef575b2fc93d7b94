import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  DeleteBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { type Alert, ALERT_SCHEMA } from '../../shared/alerts/alert';
import { SnsAlertSink } from '../../shared/alerts/publisher';
import { processEvent } from '../../shared/pipeline/process';
import { createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { testDeps, testPolicy, useEmulator } from '../support/harness';

const R = 'us-east-1';
// CreateBucket also triggers s3-tls (one reference per rule): these tests look at the s3-bucket rule only.
const only = <T extends { ref?: { type: string }; resource?: { type: string } }>(xs: T[]): T[] =>
  xs.filter((x) => (x.ref ?? x.resource)?.type === 's3-bucket');
// IAM enforced (moto): the rule runs as the packaged on-change role; setup as an admin.
const emu = useEmulator({ iam: true });
let cmkArn: string;

const readEncryption = async (bucket: string) => {
  const out = await emu
    .clients()
    .get(S3Client, { region: R })
    .send(new GetBucketEncryptionCommand({ Bucket: bucket }));
  return out.ServerSideEncryptionConfiguration?.Rules?.[0];
};

beforeEach(async () => {
  await emu.current.reset();
  cmkArn = (await createKey(emu.clients(), R, 'alias/data-platform')).arn;
});

describe('s3-bucket rule on the emulator', () => {
  it('re-encrypts an unencrypted bucket with the CMK ARN and bucket key, then verifies', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'plain-bucket');
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('CreateBucket', 'plain-bucket', R), deps);
    expect(only(result.outcomes)).toHaveLength(1);
    expect(only(result.outcomes)[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      expectedKey: cmkArn,
    });
    const rule = await readEncryption('plain-bucket');
    expect(rule?.ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: cmkArn });
    expect(rule?.BucketKeyEnabled).toBe(true);
    expect(only(deps.alerts.alerts)).toHaveLength(1);
    expect(only(deps.alerts.alerts)[0]).toMatchObject({
      schema: ALERT_SCHEMA,
      status: 'NON_COMPLIANT',
      action: { taken: 'REMEDIATE', result: 'VERIFIED' },
    });
  });

  it.each([
    ['SSE-S3', { kind: 'sse-s3' } as const, 'NOT_KMS'],
    ['aws:kms without a key id', { kind: 'kms' } as const, 'AWS_MANAGED_KEY'],
    ['the aws/s3 alias', { kind: 'kms', keyId: 'alias/aws/s3' } as const, 'AWS_MANAGED_KEY'],
    [
      'the CMK without bucket key',
      { kind: 'kms', keyId: 'alias/data-platform', bucketKey: false } as const,
      'BUCKET_KEY_DISABLED',
    ],
  ])('fixes a bucket using %s', async (_label, encryption, reason) => {
    const clients = emu.clients();
    await createBucket(clients, R, 'drifted', encryption);
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('PutBucketEncryption', 'drifted', R), deps);
    expect(only(result.outcomes)[0]).toMatchObject({ reason, action: 'REMEDIATE', result: 'VERIFIED' });
    expect((await readEncryption('drifted'))?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toBe(cmkArn);
  });

  it('fixes a bucket on another customer key, named by id, and one on the key of another region', async () => {
    const clients = emu.clients();
    const other = await createKey(clients, R);
    const foreign = await createKey(clients, 'eu-west-1', 'alias/data-platform');
    await createBucket(clients, R, 'other-key', { kind: 'kms', keyId: other.keyId });
    await createBucket(clients, R, 'foreign-key', { kind: 'kms', keyId: foreign.arn });
    const deps = testDeps(clients);
    const a = await processEvent(s3Event('PutBucketEncryption', 'other-key', R), deps);
    const b = await processEvent(s3Event('PutBucketEncryption', 'foreign-key', R), deps);
    expect(only(a.outcomes)[0]).toMatchObject({ reason: 'WRONG_KEY', result: 'VERIFIED', observedKey: other.arn });
    expect(only(b.outcomes)[0]).toMatchObject({
      reason: 'WRONG_REGION_KEY',
      result: 'VERIFIED',
      observedKey: foreign.arn,
    });
  });

  it('treats the CMK named by alias, alias ARN or key id as compliant and changes nothing', async () => {
    const clients = emu.clients();
    const keyId = cmkArn.split('/')[1] as string;
    for (const [name, ref] of [
      ['by-alias', 'alias/data-platform'],
      ['by-alias-arn', `arn:aws:kms:${R}:123456789012:alias/data-platform`],
      ['by-id', keyId],
      ['by-arn', cmkArn],
    ] as const) {
      await createBucket(clients, R, name, { kind: 'kms', keyId: ref });
      const deps = testDeps(clients);
      const result = await processEvent(s3Event('PutBucketEncryption', name, R), deps);
      expect(only(result.outcomes)[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
      expect(only(deps.alerts.alerts)).toHaveLength(0);
      expect((await readEncryption(name))?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toBe(ref);
    }
  });

  it('a second delivery of the same event changes nothing and sends no second alert', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'twice');
    const deps = testDeps(clients);
    const event = s3Event('CreateBucket', 'twice', R, { id: 'same-id' });
    await processEvent(event, deps);
    const again = await processEvent(event, deps);
    expect(only(again.outcomes)[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
    expect(only(deps.alerts.alerts)).toHaveLength(1);
  });

  it('leaves an exempt bucket untouched and says so', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'exempt', { kind: 'sse-s3' }, { 'cmk-sentinel:exempt': 'TEST-EXEMPT' });
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('CreateBucket', 'exempt', R), deps);
    expect(only(result.outcomes)[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      action: 'SKIP_EXEMPT',
      result: 'NOT_ATTEMPTED',
    });
    expect((await readEncryption('exempt'))?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    expect(only(deps.alerts.alerts)[0]?.action.taken).toBe('SKIP_EXEMPT');
  });

  it('report mode changes nothing and alerts', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'reported', { kind: 'sse-s3' });
    const deps = testDeps(clients, { policy: testPolicy({ mode: 'report' }) });
    const result = await processEvent(s3Event('CreateBucket', 'reported', R), deps);
    expect(only(result.outcomes)[0]).toMatchObject({ action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect((await readEncryption('reported'))?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    expect(only(deps.alerts.alerts)).toHaveLength(1);
  });

  it('quarantine mode tags the bucket, blocks public access, keeps owner tags and encryption as they were', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'quarantined', { kind: 'sse-s3' }, { owner: 'team-a' });
    const deps = testDeps(clients, { policy: testPolicy({ types: { 's3-bucket': { mode: 'quarantine' } } }) });
    const result = await processEvent(s3Event('CreateBucket', 'quarantined', R), deps);
    expect(only(result.outcomes)[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    const s3 = clients.get(S3Client, { region: R });
    const tags = (await s3.send(new GetBucketTaggingCommand({ Bucket: 'quarantined' }))).TagSet;
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'owner', Value: 'team-a' },
        { Key: 'cmk-sentinel:quarantine', Value: 'NOT_KMS' },
      ]),
    );
    const pab = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'quarantined' })))
      .PublicAccessBlockConfiguration;
    expect(pab).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect((await readEncryption('quarantined'))?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    // Once quarantined, a duplicate event changes nothing and stays quiet.
    const again = await processEvent(s3Event('CreateBucket', 'quarantined', R), deps);
    expect(only(again.outcomes)[0]).toMatchObject({ action: 'QUARANTINE', result: 'UNCHANGED' });
    expect(only(deps.alerts.alerts)).toHaveLength(1);
  });

  it('a bucket deleted before the event arrives is NOT_APPLICABLE, not an error', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'gone');
    await clients.get(S3Client, { region: R }).send(new DeleteBucketCommand({ Bucket: 'gone' }));
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('CreateBucket', 'gone', R), deps);
    expect(only(result.outcomes)[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'RESOURCE_GONE',
      action: 'NONE',
    });
    expect(only(deps.alerts.alerts)).toHaveLength(0);
  });

  it('a failed API call is skipped without reading anything', async () => {
    const deps = testDeps(emu.clients());
    const result = await processEvent(
      s3Event('CreateBucket', 'never-made', R, { errorCode: 'BucketAlreadyExists' }),
      deps,
    );
    expect(result).toMatchObject({ kind: 'ignored' });
    expect(deps.log.lines).toHaveLength(1);
  });

  it('delivers the alert through SNS to a subscribed SQS queue', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'alerted');
    const sns = clients.get(SNSClient, { region: R });
    const sqs = clients.get(SQSClient, { region: R });
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn as string;
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-q' }))).QueueUrl as string;
    const queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
    const deps = testDeps(clients, { alerts: new SnsAlertSink(clients, topicArn) });
    await processEvent(s3Event('CreateBucket', 'alerted', R, { id: 'evt-42' }), deps);
    const msgs = (
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })))
        .Messages ?? []
    ).filter(
      (m) =>
        (JSON.parse((JSON.parse(m.Body as string) as { Message: string }).Message) as Alert).resource.type ===
        's3-bucket',
    );
    expect(msgs).toHaveLength(1);
    const envelope = JSON.parse(msgs[0]?.Body as string) as {
      Subject: string;
      Message: string;
      MessageAttributes: Record<string, { Value: string }>;
    };
    const alert = JSON.parse(envelope.Message) as Alert;
    expect(alert).toMatchObject({
      schema: ALERT_SCHEMA,
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
      expectedKey: cmkArn,
      resource: { type: 's3-bucket', id: 'alerted', arn: 'arn:aws:s3:::alerted', account: '123456789012', region: R },
      action: { taken: 'REMEDIATE', result: 'VERIFIED' },
      trigger: { eventId: 'evt-42', eventName: 'CreateBucket' },
    });
    expect(envelope.Subject).toContain('s3-bucket alerted');
    expect(envelope.MessageAttributes.severity?.Value).toBe('LOW');
    expect(envelope.MessageAttributes.action?.Value).toBe('REMEDIATE');
  });
});
