import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Alert } from '../shared/alerts/alert';
import { SnsAlertSink } from '../shared/alerts/publisher';
import { ClientFactory } from '../shared/aws/clients';
import { buildDeps } from '../shared/pipeline/context';
import { type EventResult, processEvent } from '../shared/pipeline/process';
import { loadPolicy } from '../shared/policy/policy';
import { assertLoopback, startEmulator } from '../test/support/moto';
import { type BucketEncryption, createBucket, createKey, s3Event } from './lib/estate';
import { shortKey, table } from './lib/table';

/**
 * The main job, end to end on the local emulator: an estate drifted in every way the
 * S3 rule knows, the events that would arrive, and what the service did about them.
 */
export const main = async (): Promise<number> => {
  const started = Date.now();
  process.stdout.write('Starting the local AWS emulator (moto)... ');
  const emu = await startEmulator();
  console.log(`ready on ${emu.endpoint} (pid ${emu.pid})`);
  try {
    const clients = new ClientFactory({ endpoint: assertLoopback(emu.endpoint), maxAttempts: 3, credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } });
    const [east, west] = ['us-east-1', 'eu-west-1'] as const;
    const cmkEast = await createKey(clients, east, 'alias/data-platform', 'data platform CMK us-east-1');
    const cmkWest = await createKey(clients, west, 'alias/data-platform', 'data platform CMK eu-west-1');
    const otherKey = await createKey(clients, east, 'alias/team-scratch', 'some other team key');
    const names: Record<string, string> = { [cmkEast.arn]: 'CMK us-east-1', [cmkWest.arn]: 'CMK eu-west-1', [otherKey.arn]: 'other key (us-east-1)' };

    const sns = clients.get(SNSClient, { region: east });
    const sqs = clients.get(SQSClient, { region: east });
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'cmk-sentinel-alerts' }))).TopicArn as string;
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'alert-inbox' }))).QueueUrl as string;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));

    const estate: { name: string; region: string; enc: BucketEncryption; tags?: Record<string, string>; state: string }[] = [
      { name: 'raw-landing', region: east, enc: { kind: 'none' }, state: 'no default encryption' },
      { name: 'clickstream', region: east, enc: { kind: 'sse-s3' }, state: 'SSE-S3 (AWS default)' },
      { name: 'curated', region: east, enc: { kind: 'kms' }, state: 'aws:kms, no key id (aws/s3)' },
      { name: 'exports', region: east, enc: { kind: 'kms', keyId: 'alias/aws/s3' }, state: 'aws/s3 alias' },
      { name: 'ml-features', region: east, enc: { kind: 'kms', keyId: otherKey.keyId }, state: 'another CMK, by key id' },
      { name: 'reports-eu-key', region: east, enc: { kind: 'kms', keyId: cmkWest.arn }, state: 'the eu-west-1 CMK' },
      { name: 'audit-no-bucket-key', region: east, enc: { kind: 'kms', keyId: 'alias/data-platform', bucketKey: false }, state: 'CMK, bucket key off' },
      { name: 'warehouse', region: east, enc: { kind: 'kms', keyId: cmkEast.arn }, state: 'CMK by ARN (compliant)' },
      { name: 'legal-hold', region: east, enc: { kind: 'sse-s3' }, tags: { 'cmk-sentinel:exempt': 'true' }, state: 'SSE-S3, exempt' },
      { name: 'eu-customers', region: west, enc: { kind: 'sse-s3' }, state: 'SSE-S3 (AWS default)' },
      { name: 'eu-archive', region: west, enc: { kind: 'kms', keyId: 'alias/data-platform' }, state: 'CMK by alias (compliant)' },
    ];
    for (const b of estate) await createBucket(clients, b.region, b.name, b.enc, b.tags);

    const keyOf = async (bucket: string, region: string): Promise<string> => {
      try {
        const out = await clients.get(S3Client, { region }).send(new GetBucketEncryptionCommand({ Bucket: bucket }));
        const d = out.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
        return d?.SSEAlgorithm === 'aws:kms' ? shortKey(d.KMSMasterKeyID ?? 'aws/s3', names) : d?.SSEAlgorithm ?? 'none';
      } catch {
        return 'none';
      }
    };
    const before = await Promise.all(estate.map((b) => keyOf(b.name, b.region)));

    const policy = loadPolicy();
    const deps = buildDeps({ clients, policy, alerts: new SnsAlertSink(clients, topicArn), homeAccount: '123456789012' }, {});
    const results: EventResult[] = [];
    for (const b of estate) {
      const event = s3Event(b.enc.kind === 'none' ? 'CreateBucket' : 'PutBucketEncryption', b.name, b.region);
      results.push(await processEvent(event, deps));
    }
    const after = await Promise.all(estate.map((b) => keyOf(b.name, b.region)));

    console.log(`\nPolicy: ${policy.doc.cmk.alias ?? 'explicit keys'}, mode ${policy.modeFor('s3-bucket')} for s3-bucket\n`);
    console.log(table(
      ['bucket', 'region', 'drift', 'before', 'finding', 'action', 'after'],
      estate.map((b, i) => {
        const o = results[i]?.outcomes[0];
        return [b.name, b.region, b.state, before[i] ?? '', o ? `${o.status}${o.reason ? ` ${o.reason}` : ''}` : '-', o ? `${o.action} ${o.result}` : '-', after[i] ?? ''];
      }),
    ));

    const received: Alert[] = [];
    for (let i = 0; i < 5 && received.length < 100; i++) {
      const msgs = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }))).Messages ?? [];
      if (msgs.length === 0) break;
      for (const m of msgs) received.push(JSON.parse((JSON.parse(m.Body as string) as { Message: string }).Message) as Alert);
    }
    console.log(`\nAlerts received on the queue subscribed to the topic (${received.length}):\n`);
    console.log(table(['severity', 'resource', 'reason', 'action', 'observed key', 'expected key'], received.map((a) => [
      a.severity, `${a.resource.type}/${a.resource.id}`, a.reason ?? '', `${a.action.taken} ${a.action.result}`, shortKey(a.observedKey, names), shortKey(a.expectedKey, names),
    ])));
    if (received[0]) console.log(`\nOne alert in full:\n${JSON.stringify(received[0], null, 2)}`);

    const expectedFixed = estate.filter((b) => !b.tags && !b.state.includes('compliant'));
    const fixed = expectedFixed.filter((b) => after[estate.indexOf(b)]?.startsWith('CMK ' + b.region));
    console.log(`\n${fixed.length}/${expectedFixed.length} non-exempt drifted buckets now on their regional CMK; ${received.length} alerts; ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return fixed.length === expectedFixed.length ? 0 : 1;
  } finally {
    await emu.stop();
  }
};
