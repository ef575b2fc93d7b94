import {
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  ListTagsForDeliveryStreamCommand,
} from '@aws-sdk/client-firehose';
import type { KeyInfo, ObservedKey } from '../../shared/kms/key-resolver';
import { processEvent } from '../../shared/pipeline/process';
import { firehoseStreamRule } from '../../shared/rules/firehose-stream';
import { evaluateFirehoseStream, type FirehoseStreamState } from '../../shared/rules/firehose-stream/evaluate';
import { createKey } from '../../testbed/estates/estate';
import { createDeliveryStream, firehoseEvent } from '../../testbed/estates/estate-data-platform';
import { onlyRules, TEST_WAIVER, testDeps, testPolicy, useEmulator } from '../support/harness';
import { EVENTS_DIR, loadJson } from '../support/samples';

onlyRules('firehose-stream');

const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const firehose = () => emu.clients().get(FirehoseClient, { region: R });
const read = async (name: string) => {
  const d = (await firehose().send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name })))
    .DeliveryStreamDescription;
  return {
    sse: d?.DeliveryStreamEncryptionConfiguration,
    dest: d?.Destinations?.[0]?.ExtendedS3DestinationDescription?.EncryptionConfiguration,
  };
};

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('evaluateFirehoseStream (pure)', () => {
  const CMK: KeyInfo = {
    arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`,
    keyId: 'cmk-1',
    region: R,
    account: '123456789012',
    managedBy: 'CUSTOMER',
  };
  const key = (arn: string, over: Partial<KeyInfo> = {}): ObservedKey => ({ ref: arn, info: { ...CMK, arn, ...over } });
  const dest = {
    destinationId: 'd1',
    kind: 'extended-s3' as const,
    bucketArn: 'arn:aws:s3:::raw-landing',
    keyRef: CMK.arn,
    key: key(CMK.arn),
  };
  const ok: FirehoseStreamState = {
    name: 'iot',
    arn: 'a',
    region: R,
    status: 'ACTIVE',
    sourceType: 'DirectPut',
    versionId: '1',
    sse: { status: 'ENABLED', keyType: 'CUSTOMER_MANAGED_CMK', keyArn: CMK.arn },
    sseKey: key(CMK.arn),
    s3: [dest],
    otherDestinations: 0,
  };
  it.each<[string, FirehoseStreamState, string | undefined]>([
    ['SSE and the S3 destination under the CMK', ok, undefined],
    ['SSE off', { ...ok, sse: undefined, sseKey: undefined }, 'UNENCRYPTED'],
    [
      'SSE with the AWS-owned key',
      { ...ok, sse: { status: 'ENABLED', keyType: 'AWS_OWNED_CMK' }, sseKey: undefined },
      'AWS_MANAGED_KEY',
    ],
    [
      "SSE with the other region's CMK",
      { ...ok, sseKey: key('arn:aws:kms:eu-west-1:123456789012:key/eu', { region: 'eu-west-1' }) },
      'WRONG_REGION_KEY',
    ],
    ['destination NoEncryption', { ...ok, s3: [{ ...dest, keyRef: undefined, key: undefined }] }, 'UNENCRYPTED'],
    [
      'destination with another key',
      { ...ok, s3: [{ ...dest, key: key(`arn:aws:kms:${R}:123456789012:key/other`) }] },
      'WRONG_KEY',
    ],
    [
      'Kinesis-sourced: no SSE of its own (the source stream holds the data), destination under the CMK',
      { ...ok, sourceType: 'KinesisStreamAsSource', sse: undefined, sseKey: undefined },
      undefined,
    ],
    [
      'SSE ENABLING_FAILED',
      {
        ...ok,
        sse: { status: 'ENABLING_FAILED', keyType: 'CUSTOMER_MANAGED_CMK', keyArn: CMK.arn, failure: 'key disabled' },
      },
      'KEY_INACCESSIBLE',
    ],
  ])('%s', (_label, state, reason) => {
    const f = evaluateFirehoseStream(state, { region: R, cmk: CMK, policy: testPolicy() });
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
  });
});

describe('firehose-stream rule on the emulator', () => {
  it('SSE off and NoEncryption to S3: StartDeliveryStreamEncryption + UpdateDestination with the CMK, verified; then quiet', async () => {
    await createDeliveryStream(emu.clients(), R, 'iot-to-lake');
    const deps = testDeps(emu.clients());
    const r = await processEvent(loadJson(`${EVENTS_DIR}/firehose-stream/CreateDeliveryStream.json`), deps);
    expect(r.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(r.outcomes[0]?.actionDetail).toMatch(
      /StartDeliveryStreamEncryption .*; UpdateDestination arn:aws:s3:::raw-landing/,
    );
    expect(await read('iot-to-lake')).toEqual({
      sse: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: cmk.arn, Status: 'ENABLED' },
      dest: { KMSEncryptionConfig: { AWSKMSKeyARN: cmk.arn } },
    });
    for (const f of ['UpdateDestination', 'StopDeliveryStreamEncryption', 'Config-ConfigurationItemChange']) {
      expect((await processEvent(loadJson(`${EVENTS_DIR}/firehose-stream/${f}.json`), deps)).outcomes[0]).toMatchObject(
        { status: 'COMPLIANT', action: 'NONE' },
      );
    }
  });

  it('SSE already the CMK, destination on another key: only UpdateDestination', async () => {
    const other = await createKey(emu.clients(), R);
    await createDeliveryStream(emu.clients(), R, 'iot-to-lake', { sse: cmk.arn, destinationKey: other.arn });
    const r = await processEvent(firehoseEvent('UpdateDestination', 'iot-to-lake', R), testDeps(emu.clients()));
    expect(r.outcomes[0]).toMatchObject({ reason: 'WRONG_KEY', result: 'VERIFIED' });
    expect(r.outcomes[0]?.actionDetail).not.toContain('StartDeliveryStreamEncryption');
    expect((await read('iot-to-lake')).dest).toEqual({ KMSEncryptionConfig: { AWSKMSKeyARN: cmk.arn } });
  });

  it('a Kinesis-sourced stream gets no StartDeliveryStreamEncryption (AWS allows it for DirectPut only)', async () => {
    await createDeliveryStream(emu.clients(), R, 'from-kinesis', { source: 'KinesisStreamAsSource' });
    const r = await processEvent(firehoseEvent('CreateDeliveryStream', 'from-kinesis', R), testDeps(emu.clients()));
    expect(r.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', result: 'VERIFIED' });
    expect((await read('from-kinesis')).sse).toBeUndefined();
  });

  it('quarantine tags once; exempt is untouched; gone is not applicable; the backfill lists every stream', async () => {
    await createDeliveryStream(emu.clients(), R, 'iot-to-lake');
    await createDeliveryStream(emu.clients(), R, 'legacy', { tags: { 'cmk-sentinel:exempt': TEST_WAIVER } });
    const deps = testDeps(emu.clients(), { policy: testPolicy({ mode: 'quarantine' }) });
    expect(
      (await processEvent(firehoseEvent('CreateDeliveryStream', 'iot-to-lake', R), deps)).outcomes[0],
    ).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    expect((await processEvent(firehoseEvent('UpdateDestination', 'iot-to-lake', R), deps)).outcomes[0]).toMatchObject({
      action: 'QUARANTINE',
      result: 'UNCHANGED',
    });
    expect(
      (await firehose().send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'iot-to-lake' }))).Tags,
    ).toEqual([{ Key: 'cmk-sentinel:quarantine', Value: 'UNENCRYPTED' }]);
    expect((await processEvent(firehoseEvent('CreateDeliveryStream', 'legacy', R), deps)).outcomes[0]).toMatchObject({
      action: 'SKIP_EXEMPT',
    });
    expect((await processEvent(firehoseEvent('CreateDeliveryStream', 'gone', R), deps)).outcomes[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'RESOURCE_GONE',
    });
    const names: string[] = [];
    for await (const n of firehoseStreamRule.list({
      clients: deps.clients,
      keys: deps.keys,
      policy: deps.policy,
      scope: { region: R },
    }))
      names.push(n);
    expect(names.sort()).toEqual(['iot-to-lake', 'legacy']);
  });
});
