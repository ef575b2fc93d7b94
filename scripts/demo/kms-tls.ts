import { DescribeDBInstancesCommand, DescribeDBParametersCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
  DisableKeyRotationCommand,
} from '@aws-sdk/client-kms';
import { GetBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Outcome } from '../../shared/alerts/alert';
import { processEvent } from '../../shared/pipeline/process';
import { isTlsDeny } from '../../shared/rules/s3-tls/evaluate';
import { createBucket, s3Event } from '../../testbed/estates/estate';
import { createDbInstance, kmsEvent, putBucketPolicy, rdsEvent } from '../../testbed/estates/estate-kms-tls';
import { table } from '../../cli/table';
import type { DemoPart } from './context';

const row = (what: string, drift: string, before: string, o: Outcome | undefined, after: string): string[] => [
  what,
  drift,
  before,
  o ? `${o.status}${o.reason ? ` ${o.reason}` : ''}${o.severity ? ` (${o.severity})` : ''}` : '-',
  o ? `${o.action} ${o.result}` : '-',
  after,
];

/** The CMKs themselves, then transport encryption: bucket policies and database parameter groups. */
export const kmsTlsDemo: DemoPart = {
  title: 'CMK guard and TLS (bucket policies, RDS parameter groups)',
  covers: ['kms-key', 's3-tls', 'rds-tls', 'redshift-tls'],
  async run(ctx) {
    const [east] = ctx.regions;
    const { clients, deps } = ctx;
    const cmk = ctx.cmks[east] as { arn: string; keyId: string };
    const kms = clients.get(KMSClient, { region: east });
    const s3 = clients.get(S3Client, { region: east });
    const rds = clients.get(RDSClient, { region: east });
    const rows: string[][] = [];
    let expected = 0;
    let done = 0;

    // 1. Someone schedules the CMK for deletion (and turns rotation off on the way).
    const keyState = async () => {
      const m = (await kms.send(new DescribeKeyCommand({ KeyId: cmk.keyId }))).KeyMetadata;
      const rot =
        m?.KeyState === 'Enabled'
          ? (await kms.send(new GetKeyRotationStatusCommand({ KeyId: cmk.keyId }))).KeyRotationEnabled
          : undefined;
      return `${m?.KeyState ?? '?'}${rot === undefined ? '' : rot ? ', rotation on' : ', rotation off'}`;
    };
    await kms.send(new DisableKeyRotationCommand({ KeyId: cmk.keyId }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: cmk.keyId, PendingWindowInDays: 7 }));
    const keyBefore = await keyState();
    const del = await processEvent(
      kmsEvent('ScheduleKeyDeletion', east, { keyId: cmk.keyId, pendingWindowInDays: 7 }),
      deps,
    );
    const keyAfter = await keyState();
    rows.push(row(`CMK ${east}`, 'scheduled for deletion', keyBefore, del.outcomes[0], keyAfter));
    expected += 1;
    if (keyAfter === 'Enabled, rotation on') done += 1;
    const usage = del.outcomes[0]?.detail?.match(/(At least )?\d+ resource\(s\) in the region use it[^;]*/)?.[0];

    // 2. A bucket with a team policy and no TLS deny (objects written first: the emulator enforces the deny
    // unconditionally).
    await createBucket(clients, east, 'partner-exchange', { kind: 'kms', keyId: cmk.arn });
    await s3.send(
      new PutObjectCommand({ Bucket: 'partner-exchange', Key: 'drop/2026-11-27.csv', Body: 'id,amount\n1,10\n' }),
    );
    await putBucketPolicy(clients, east, 'partner-exchange', {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PartnerRead',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:role/partner-reader' },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::partner-exchange/*',
        },
      ],
    });
    const statements = async () => {
      const p = JSON.parse(
        (await s3.send(new GetBucketPolicyCommand({ Bucket: 'partner-exchange' }))).Policy ?? '{}',
      ) as { Statement?: Record<string, unknown>[] };
      const list = p.Statement ?? [];
      return {
        text: `${list.length} statement(s)${list.some((s) => isTlsDeny(s, 'partner-exchange')) ? ', TLS deny' : ', no TLS deny'}`,
        ok: list.length === 2 && list.some((s) => isTlsDeny(s, 'partner-exchange')),
      };
    };
    const bucketBefore = (await statements()).text;
    const tls = await processEvent(s3Event('PutBucketPolicy', 'partner-exchange', east), deps);
    const bucketAfter = await statements();
    rows.push(
      row(
        'bucket partner-exchange',
        'policy without TLS deny',
        bucketBefore,
        tls.outcomes.find((o) => o.ref.type === 's3-tls'),
        bucketAfter.text,
      ),
    );
    expected += 1;
    if (bucketAfter.ok) done += 1;

    // 3. A PostgreSQL instance on the default parameter group (rds.force_ssl off).
    await createDbInstance(clients, east, 'analytics-pg', { engine: 'postgres' });
    const groupState = async () => {
      const group =
        (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'analytics-pg' }))).DBInstances?.[0]
          ?.DBParameterGroups?.[0]?.DBParameterGroupName ?? '?';
      const params =
        (await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: group }))).Parameters ?? [];
      const on = params.find((p) => p.ParameterName === 'rds.force_ssl')?.ParameterValue === '1';
      return { text: `${group}, force_ssl ${on ? 'on' : 'off'}`, ok: !group.startsWith('default.') && on };
    };
    const dbBefore = (await groupState()).text;
    const db = await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'analytics-pg' }, east), deps);
    const dbAfter = await groupState();
    rows.push(
      row(
        'RDS analytics-pg',
        'default parameter group',
        dbBefore,
        db.outcomes.find((o) => o.ref.type === 'rds-tls'),
        dbAfter.text,
      ),
    );
    expected += 1;
    if (dbAfter.ok) done += 1;

    ctx.print(table(['resource', 'drift', 'before', 'finding', 'action', 'after'], rows));
    if (usage) ctx.print(`\nThe CMK alert said: ${usage}.`);
    const reboot = db.outcomes.find((o) => o.ref.type === 'rds-tls')?.actionDetail;
    if (reboot) ctx.print(`The RDS alert said: ${reboot}.`);
    return { expected, done };
  },
};
