import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectingAlertSink } from '../../shared/alerts/publisher';
import { FileSweepStore } from '../../shared/backfill/file-store';
import { Pacer } from '../../shared/backfill/pacing';
import { backfill } from '../../shared/backfill/run';
import { logsKeyStatement } from '../../shared/rules/log-group/evaluate';
import type { ResourceType } from '../../shared/rules/type-ids';
import { createKey } from '../../testbed/estates/estate';
import {
  allowLogsOnKey,
  createDeliveryStream,
  createLogGroup,
  createStream,
  createTable,
  createWorkgroup,
  setCatalogEncryption,
} from '../../testbed/estates/estate-data-platform';
import { ACCOUNT, testDeps, testPolicy, useEmulator } from '../support/harness';

/** The backfill path for the data-platform types: two regions, drift in each, one sweep. */
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const TYPES: ResourceType[] = [
  'ebs-default',
  'dynamodb-table',
  'kinesis-stream',
  'glue-catalog',
  'firehose-stream',
  'athena-workgroup',
  'log-group',
];
const emu = useEmulator();

beforeEach(async () => {
  await emu.current.reset();
});

describe('backfill of the data-platform types on the emulator', () => {
  it('lists every resource of each type in each region and fixes what the emulator can carry through', async () => {
    const c = emu.clients();
    for (const r of REGIONS) {
      const cmk = await createKey(c, r, 'alias/data-platform');
      await createTable(c, r, `state-${r}`);
      await createTable(c, r, `ok-${r}`, cmk.arn);
      await createStream(c, r, `iot-${r}`);
      await setCatalogEncryption(c, r, 'aws');
      await createDeliveryStream(c, r, `lake-${r}`);
      await createWorkgroup(c, r, `analysts-${r}`, { option: 'SSE_S3' });
      await createLogGroup(c, r, `/data-platform/${r}`);
      await createLogGroup(c, r, `/other/${r}`);
      // Only us-east-1's key owner has added the statement CloudWatch Logs needs.
      if (r === 'us-east-1') await allowLogsOnKey(c, r, cmk.keyId, logsKeyStatement(r, ACCOUNT));
    }
    const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
    const deps = testDeps(c, { policy: testPolicy({ logGroups: { prefixes: ['/data-platform/'] } }) });
    const result = await backfill(
      { regions: [...REGIONS], types: TYPES },
      {
        deps,
        pacer: new Pacer(),
        store: new FileSweepStore(dir),
        reportFile: join(dir, 'r.json'),
        summarySink: new CollectingAlertSink(),
      },
    );
    const rows: { id: string; unit: string; status: string; reason?: string; action?: string; result?: string }[] = [];
    for await (const r of new FileSweepStore(dir).results(result.sweepId)) rows.push(r);
    const got = rows
      .map((r) =>
        `${r.unit.split('/').slice(1).join('/')} ${r.id} ${r.status} ${r.reason ?? ''} ${r.action ?? ''} ${r.result ?? ''}`.trim(),
      )
      .sort();
    const expected = REGIONS.flatMap((r) => [
      `${r}/athena-workgroup analysts-${r} NON_COMPLIANT NOT_KMS REMEDIATE VERIFIED`,
      `${r}/athena-workgroup primary NON_COMPLIANT UNENCRYPTED REMEDIATE VERIFIED`,
      `${r}/dynamodb-table ok-${r} COMPLIANT  NONE NOT_ATTEMPTED`,
      // Encryption by default is off in a fresh region: the CMK becomes the default key and it is turned on.
      `${r}/ebs-default ${r} NON_COMPLIANT UNENCRYPTED REMEDIATE VERIFIED`,
      `${r}/dynamodb-table state-${r} NON_COMPLIANT NOT_KMS REMEDIATE VERIFIED`,
      `${r}/firehose-stream lake-${r} NON_COMPLIANT UNENCRYPTED REMEDIATE VERIFIED`,
      `${r}/glue-catalog ${r} NON_COMPLIANT AWS_MANAGED_KEY REMEDIATE VERIFIED`,
      `${r}/kinesis-stream iot-${r} NON_COMPLIANT UNENCRYPTED REMEDIATE VERIFIED`,
      r === 'us-east-1'
        ? `${r}/log-group /data-platform/${r} NON_COMPLIANT NOT_KMS REMEDIATE VERIFIED`
        : `${r}/log-group /data-platform/${r} NON_COMPLIANT NOT_KMS QUARANTINE VERIFIED`,
    ]).sort();
    expect(got).toEqual(expected);
    expect(result.totals).toMatchObject({ errors: 0 });
  }, 120_000);
});
