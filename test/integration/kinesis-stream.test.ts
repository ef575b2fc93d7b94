import { DescribeStreamSummaryCommand, KinesisClient, ListTagsForStreamCommand } from '@aws-sdk/client-kinesis';
import { processEvent } from '../../shared/pipeline/process';
import { kinesisStreamRule } from '../../shared/rules/kinesis-stream';
import { createKey } from '../../testbed/estates/estate';
import { createStream, kinesisEvent } from '../../testbed/estates/estate-data-platform';
import { onlyRules, testDeps, testPolicy, useEmulator, TEST_WAIVER } from '../support/harness';
import { EVENTS_DIR, loadJson } from '../support/samples';

onlyRules('kinesis-stream');

const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const kinesis = () => emu.clients().get(KinesisClient, { region: R });
const encOf = async (name: string) => {
  const d = (await kinesis().send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
  return { type: d?.EncryptionType, key: d?.KeyId };
};

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('kinesis-stream rule on the emulator', () => {
  it.each<[string, string | undefined, string]>([
    ['no encryption', undefined, 'UNENCRYPTED'],
    ['the aws/kinesis key', 'alias/aws/kinesis', 'AWS_MANAGED_KEY'],
    ['another key', 'other', 'WRONG_KEY'],
  ])(
    '%s: StartStreamEncryption with the CMK ARN, verified by a fresh read, then idempotent',
    async (_label, key, reason) => {
      const other = await createKey(emu.clients(), R);
      await createStream(emu.clients(), R, 'iot-telemetry', key === 'other' ? other.arn : key);
      const deps = testDeps(emu.clients());
      const r = await processEvent(kinesisEvent('CreateStream', 'iot-telemetry', R), deps);
      expect(r.outcomes[0]).toMatchObject({ status: 'NON_COMPLIANT', reason, action: 'REMEDIATE', result: 'VERIFIED' });
      expect(r.outcomes[0]?.actionDetail).toMatch(
        /Records written before stay (unencrypted|under the previous key) until they expire \(24 h\)/,
      );
      expect(await encOf('iot-telemetry')).toEqual({ type: 'KMS', key: cmk.arn });
      const again = await processEvent(kinesisEvent('StartStreamEncryption', 'iot-telemetry', R), deps);
      expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
    },
  );

  it('the CMK by alias is compliant', async () => {
    await createStream(emu.clients(), R, 'iot-telemetry', 'alias/data-platform');
    const r = await processEvent(kinesisEvent('CreateStream', 'iot-telemetry', R), testDeps(emu.clients()));
    expect(r.outcomes[0]).toMatchObject({ status: 'COMPLIANT', observedKey: cmk.arn });
  });

  it('StopStreamEncryption by the event sample (streamName) and StartStreamEncryption by ARN both reach the stream', async () => {
    await createStream(emu.clients(), R, 'iot-telemetry');
    const deps = testDeps(emu.clients(), { policy: testPolicy({ mode: 'report' }) });
    for (const f of ['StopStreamEncryption', 'StartStreamEncryption-by-arn']) {
      const r = await processEvent(loadJson(`${EVENTS_DIR}/kinesis-stream/${f}.json`), deps);
      expect(r.outcomes[0]).toMatchObject({ ref: { id: 'iot-telemetry' }, reason: 'UNENCRYPTED', action: 'REPORT' });
    }
    expect(await encOf('iot-telemetry')).toEqual({ type: 'NONE', key: undefined });
  });

  it('quarantine tags the stream once; an exempt stream is not touched', async () => {
    await createStream(emu.clients(), R, 'iot-telemetry');
    await createStream(emu.clients(), R, 'legacy-feed', undefined, { 'cmk-sentinel:exempt': TEST_WAIVER });
    const deps = testDeps(emu.clients(), { policy: testPolicy({ mode: 'quarantine' }) });
    expect((await processEvent(kinesisEvent('CreateStream', 'iot-telemetry', R), deps)).outcomes[0]).toMatchObject({
      action: 'QUARANTINE',
      result: 'VERIFIED',
    });
    expect((await processEvent(kinesisEvent('CreateStream', 'iot-telemetry', R), deps)).outcomes[0]).toMatchObject({
      action: 'QUARANTINE',
      result: 'UNCHANGED',
    });
    expect((await kinesis().send(new ListTagsForStreamCommand({ StreamName: 'iot-telemetry' }))).Tags).toEqual([
      { Key: 'cmk-sentinel:quarantine', Value: 'UNENCRYPTED' },
    ]);
    expect((await processEvent(kinesisEvent('CreateStream', 'legacy-feed', R), deps)).outcomes[0]).toMatchObject({
      action: 'SKIP_EXEMPT',
    });
    expect(await encOf('legacy-feed')).toEqual({ type: 'NONE', key: undefined });
  });

  it('lists streams for the backfill; a gone stream is not applicable', async () => {
    for (const n of ['a', 'b']) await createStream(emu.clients(), R, n);
    const deps = testDeps(emu.clients());
    const names: string[] = [];
    for await (const n of kinesisStreamRule.list({
      clients: deps.clients,
      keys: deps.keys,
      policy: deps.policy,
      scope: { region: R },
    }))
      names.push(n);
    expect(names.sort()).toEqual(['a', 'b']);
    expect((await processEvent(kinesisEvent('StopStreamEncryption', 'gone', R), deps)).outcomes[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'RESOURCE_GONE',
    });
  });
});
