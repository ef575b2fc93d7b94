import { DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateDBInstanceCommand,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { installRequestHook } from '../../shared/aws/clients';
import { planFor } from '../../shared/pipeline/plan';
import { ruleContext } from '../../shared/pipeline/scope';
import { callsOf, followsPlan, planLines, serviceOf } from '../../shared/rules/plan';
import { loadRule } from '../../shared/rules/registry';
import type { ResourceType } from '../../shared/rules/type-ids';
import type { WorkflowStarter } from '../../shared/workflows/contract';
import { createInstance } from '../../testbed/estates/estate-rds';
import { createBucket, createKey } from '../../testbed/estates/estate';
import {
  createDeliveryStream,
  createLogGroup,
  createStream,
  createTable,
  createWorkgroup,
} from '../../testbed/estates/estate-data-platform';
import { createDbInstance as createTlsInstance } from '../../testbed/estates/estate-kms-tls';
import {
  createCopyingCluster,
  createCrossRegionReplica,
  createSourceInstance,
  createVersionedBucket,
  putReplication,
  putReplicationRole,
  replicationRule,
} from '../../testbed/estates/estate-cross-region';
import { createSecurityConfiguration, runCluster, securityConfigurationDoc } from '../../testbed/estates/estate-emr';
import {
  createDbCluster,
  createDbClusterSnapshot,
  createDbInstance,
  createDbSnapshot,
  createRedshiftCluster,
  createRedshiftSnapshot,
} from '../../testbed/estates/estate-snapshots';
import { ACCOUNT, testDeps, testPolicy, useEmulator } from '../support/harness';

/**
 * Execution held to the plan: for each type, the plan is made (pure) from the state and finding the pipeline would
 * have, then the rule's action runs on the emulator with every request recorded; the calls it sent (service and
 * operation, in order) must be the calls planned. The key resolver's own lookups are not the action's (cached,
 * shared by every rule) and are left out.
 */
const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };

beforeAll(() => {
  // A re-keyed snapshot copy is available at once on the emulator: no in-process wait.
  process.env.CMK_SENTINEL_SNAPSHOT_WAIT_SECONDS = '0';
});

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

interface Sent {
  service: string;
  operation: string;
}

const record = (): { sent: Sent[]; stop: () => void } => {
  const sent: Sent[] = [];
  const stop = installRequestHook((r) => {
    const stack = new Error().stack ?? '';
    if (/shared\/kms\/key-resolver/.test(stack)) return;
    sent.push({ service: serviceOf(r.client), operation: r.operation });
  });
  return { sent, stop };
};

/** Plan, then act with the requests recorded; returns both, and whether they agree. */
const planAndAct = async (
  type: ResourceType,
  id: string,
  mode: 'remediate' | 'quarantine',
  policy = testPolicy(),
  region = R,
  workflows?: WorkflowStarter,
) => {
  const rule = await loadRule(type);
  if (!rule) throw new Error(`no rule ${type}`);
  const deps = testDeps(emu.clients(), { policy, ...(workflows ? { workflows } : {}) });
  const ctx = ruleContext(deps, ACCOUNT, region);
  const state: unknown = await rule.describe({ type, account: ACCOUNT, region, id }, ctx);
  expect(state).toBeDefined();
  const key = await ctx.keys.regionalCmk(region);
  const finding = rule.evaluate(state, { region, cmk: key, policy });
  expect(finding.status).toBe('NON_COMPLIANT');
  const plan = planFor(rule, state, finding, { region, cmk: key, policy }, mode);
  expect(plan.action).not.toBe('REPORT');
  const { sent, stop } = record();
  try {
    const result = await (plan.action === 'REMEDIATE'
      ? rule.remediate(state, finding, ctx)
      : rule.quarantine(state, finding, ctx));
    return { plan, sent, result, follows: followsPlan(plan.steps, sent) };
  } finally {
    stop();
  }
};

const expectFollowed = (r: Awaited<ReturnType<typeof planAndAct>>) => {
  const said = `planned:\n${planLines(r.plan.steps).join('\n')}\nsent:\n${r.sent.map((c) => `${c.service}:${c.operation}`).join('\n')}`;
  if (!r.follows) throw new Error(`the calls sent are not the calls planned\n${said}`);
  // Every write sent was planned as a write (not hidden in a read's place).
  const writes = new Set(
    callsOf(r.plan.steps)
      .filter((c) => c.write)
      .map((c) => `${c.service}:${c.operation}`),
  );
  // A destructive call is planned only behind a gate, and a gate named is one the policy has.
  const gates = Object.keys(testPolicy().gates).map((g) => `gates.${g}`);
  for (const c of callsOf(r.plan.steps)) {
    if (c.destructive) expect(c.gate).toBeDefined();
    if (c.gate) expect(gates).toContain(c.gate);
  }
  for (const c of r.sent)
    if (!/^(Describe|Get|List|Head|Simulate)/.test(c.operation))
      expect(writes).toContain(`${c.service}:${c.operation}`);
};

describe('the calls an action sends are the calls its plan lists', () => {
  it('s3-bucket remediate: default, marker, objects listed and re-keyed, marker cleared', async () => {
    await createBucket(emu.clients(), R, 'raw-zone');
    const s3 = emu.clients().get(S3Client, { region: R });
    for (const k of ['a.csv', 'b.csv']) await s3.send(new PutObjectCommand({ Bucket: 'raw-zone', Key: k, Body: k }));
    const r = await planAndAct('s3-bucket', 'raw-zone', 'remediate');
    expectFollowed(r);
    expect(r.sent.map((c) => c.operation)).toEqual(
      expect.arrayContaining(['PutBucketEncryption', 'ListObjectVersions', 'CopyObject']),
    );
  });

  it('s3-bucket quarantine: tag merged, public access blocked, both verified', async () => {
    await createBucket(emu.clients(), R, 'raw-zone', { kind: 'none' }, { owner: 'data' });
    const r = await planAndAct('s3-bucket', 'raw-zone', 'quarantine');
    expectFollowed(r);
    expect(r.sent.map((c) => c.operation)).toContain('PutPublicAccessBlock');
  });

  it.each<[ResourceType, 'remediate' | 'quarantine']>([
    ['kinesis-stream', 'remediate'],
    ['kinesis-stream', 'quarantine'],
    ['dynamodb-table', 'remediate'],
    ['dynamodb-table', 'quarantine'],
    ['log-group', 'remediate'],
    ['log-group', 'quarantine'],
  ])('%s %s', async (type, mode) => {
    const id = 'orders';
    if (type === 'kinesis-stream') await createStream(emu.clients(), R, id);
    if (type === 'dynamodb-table') await createTable(emu.clients(), R, id);
    if (type === 'log-group') await createLogGroup(emu.clients(), R, id);
    const r = await planAndAct(type, id, mode);
    expectFollowed(r);
    expect(r.sent.some((c) => !/^(Describe|Get|List)/.test(c.operation))).toBe(true);
  });

  it('log-group remediate whose key policy does not let CloudWatch Logs in: the planned quarantine branch ran', async () => {
    await createLogGroup(emu.clients(), R, 'app');
    const r = await planAndAct('log-group', 'app', 'remediate');
    expectFollowed(r);
    expect(r.result).toMatchObject({ kind: 'TAKEN_INSTEAD', action: 'QUARANTINE' });
    expect(r.sent.map((c) => c.operation)).toEqual([
      'GetKeyPolicy',
      'ListTagsForResource',
      'TagResource',
      'ListTagsForResource',
    ]);
  });

  it('kms-key remediate of a disabled CMK: EnableKey, rotation read, rotation on', async () => {
    await emu
      .clients()
      .get(KMSClient, { region: R })
      .send(new DisableKeyCommand({ KeyId: cmk.keyId }));
    const r = await planAndAct('kms-key', cmk.arn, 'remediate');
    expectFollowed(r);
    expect(r.sent.map((c) => c.operation)).toEqual(['EnableKey', 'GetKeyRotationStatus', 'EnableKeyRotation']);
  });

  it('emr-security-configuration remediate: the copy is looked for, then created', async () => {
    await createSecurityConfiguration(emu.clients(), R, 'analytics', securityConfigurationDoc('alias/aws/s3'));
    const r = await planAndAct('emr-security-configuration', 'analytics', 'remediate');
    expectFollowed(r);
    expect(r.sent.map((c) => c.operation)).toEqual(['DescribeSecurityConfiguration', 'CreateSecurityConfiguration']);
  });

  it.each([false, true])('rds-snapshot remediate (deleteOriginals %s): copy, verify, tag (and delete)', async (del) => {
    await createDbInstance(emu.clients(), R, 'orders-db');
    await createDbSnapshot(emu.clients(), R, 'orders-db', 'orders-snap');
    const policy = testPolicy({ gates: { deleteOriginals: del } });
    const r = await planAndAct('rds-snapshot', 'orders-snap', 'remediate', policy);
    expectFollowed(r);
    expect(r.sent.map((c) => c.operation)).toEqual([
      'CopyDBSnapshot',
      'DescribeDBSnapshots',
      'AddTagsToResource',
      ...(del ? ['DeleteDBSnapshot'] : []),
    ]);
    const destructive = callsOf(r.plan.steps).filter((c) => c.destructive);
    expect(destructive.map((c) => c.gate)).toEqual(del ? ['gates.deleteOriginals'] : []);
  });

  it('rds-snapshot quarantine: sharing read, tagged, verified', async () => {
    await createDbInstance(emu.clients(), R, 'orders-db');
    await createDbSnapshot(emu.clients(), R, 'orders-db', 'orders-snap');
    const r = await planAndAct('rds-snapshot', 'orders-snap', 'quarantine');
    expectFollowed(r);
  });

  it.each<[string, ResourceType, 'remediate' | 'quarantine', () => Promise<string>]>([
    [
      'unencrypted stream',
      'firehose-stream',
      'remediate',
      async () => {
        await createDeliveryStream(emu.clients(), R, 'clicks');
        return 'clicks';
      },
    ],
    [
      'unencrypted stream',
      'firehose-stream',
      'quarantine',
      async () => {
        await createDeliveryStream(emu.clients(), R, 'clicks');
        return 'clicks';
      },
    ],
    [
      'SSE_S3 workgroup',
      'athena-workgroup',
      'quarantine',
      async () => {
        await createWorkgroup(emu.clients(), R, 'analysts', { option: 'SSE_S3' });
        return 'analysts';
      },
    ],
    [
      'bucket without a TLS deny',
      's3-tls',
      'remediate',
      async () => {
        await createBucket(emu.clients(), R, 'curated', { kind: 'sse-s3' });
        return 'curated';
      },
    ],
    [
      'unencrypted public cluster',
      'redshift-cluster',
      'remediate',
      async () => {
        await createRedshiftCluster(emu.clients(), R, 'warehouse');
        return 'warehouse';
      },
    ],
    [
      'unencrypted public cluster',
      'redshift-cluster',
      'quarantine',
      async () => {
        await createRedshiftCluster(emu.clients(), R, 'warehouse', { publiclyAccessible: true });
        return 'warehouse';
      },
    ],
    [
      'unencrypted snapshot',
      'redshift-snapshot',
      'quarantine',
      async () => {
        await createRedshiftCluster(emu.clients(), R, 'warehouse');
        await createRedshiftSnapshot(emu.clients(), R, 'warehouse', 'nightly');
        return 'nightly';
      },
    ],
    [
      'instance on the default parameter group',
      'rds-tls',
      'remediate',
      async () => {
        await createTlsInstance(emu.clients(), R, 'orders-db');
        return 'orders-db';
      },
    ],
    [
      'cluster on an AWS-managed key configuration',
      'emr-cluster',
      'quarantine',
      async () => {
        await createSecurityConfiguration(emu.clients(), R, 'analytics', securityConfigurationDoc('alias/aws/s3'));
        return runCluster(emu.clients(), R, { name: 'etl', securityConfiguration: 'analytics' });
      },
    ],
    ['region without encryption by default', 'ebs-default', 'remediate', async () => R],
    ['catalog without encryption', 'glue-catalog', 'remediate', async () => R],
    [
      'unencrypted Aurora snapshot (remediate impossible: quarantined)',
      'rds-cluster-snapshot',
      'remediate',
      async () => {
        await createDbCluster(emu.clients(), R, 'ledger');
        await createDbClusterSnapshot(emu.clients(), R, 'ledger', 'ledger-snap');
        return 'ledger-snap';
      },
    ],
    [
      "snapshot copy to eu-west-1 under a grant for us-east-1's key",
      'redshift-snapshot-copy',
      'remediate',
      async () => {
        await createKey(emu.clients(), 'eu-west-1', 'alias/data-platform');
        await createCopyingCluster(emu.clients(), R, 'warehouse', cmk.arn, 'eu-west-1', 'legacy-grant', cmk.arn, 9);
        return 'warehouse';
      },
    ],
  ])('%s: %s %s', async (_label, type, mode, setup) => {
    const id = await setup();
    const r = await planAndAct(type, id, mode);
    expectFollowed(r);
    expect(r.sent.some((c) => !/^(Describe|Get|List)/.test(c.operation))).toBe(true);
  });

  it.each(['remediate', 'quarantine'] as const)(
    'rds-read-replica in eu-west-1 on the us-east-1 key: %s',
    async (mode) => {
      await createKey(emu.clients(), 'eu-west-1', 'alias/data-platform');
      const source = await createSourceInstance(emu.clients(), R, 'orders', cmk.arn);
      await createCrossRegionReplica(emu.clients(), 'eu-west-1', 'orders-eu', source, cmk.arn);
      const r = await planAndAct('rds-read-replica', 'orders-eu', mode, testPolicy(), 'eu-west-1');
      expectFollowed(r);
      expect(r.sent.map((c) => c.operation)).toEqual(
        mode === 'remediate' ? ['CreateDBInstanceReadReplica'] : ['AddTagsToResource', 'DescribeDBInstances'],
      );
    },
  );

  it("s3-replication remediate: a rule keyed with the source region's CMK re-pointed at the destination's", async () => {
    await putReplicationRole(emu.clients());
    await createKey(emu.clients(), 'eu-west-1', 'alias/data-platform');
    await createVersionedBucket(emu.clients(), R, 'src');
    await createVersionedBucket(emu.clients(), 'eu-west-1', 'dst-eu');
    await putReplication(emu.clients(), R, 'src', [replicationRule('to-eu', 1, 'dst-eu', cmk.arn)]);
    const r = await planAndAct('s3-replication', 'src', 'remediate');
    expectFollowed(r);
    expect(r.sent.map((c) => c.operation)).toContain('PutBucketReplication');
  });

  it.each([false, true])(
    'rds-backup-replication under another key (cutOver %s): stopped and restarted only behind the gate',
    async (cutOver) => {
      const W = 'eu-west-1';
      await createKey(emu.clients(), W, 'alias/data-platform');
      const other = (await createKey(emu.clients(), W)).arn;
      await emu
        .clients()
        .get(RDSClient, { region: R })
        .send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: 'orders',
            Engine: 'postgres',
            DBInstanceClass: 'db.t3.micro',
            AllocatedStorage: 20,
            BackupRetentionPeriod: 7,
            MasterUsername: 'app',
            MasterUserPassword: 'not-a-secret-1',
            StorageEncrypted: true,
          }),
        );
      const source = `arn:aws:rds:${R}:${ACCOUNT}:db:orders`;
      await emu
        .clients()
        .get(RDSClient, { region: W })
        .send(new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: source, KmsKeyId: other }));
      const r = await planAndAct('rds-backup-replication', source, 'remediate', testPolicy({ gates: { cutOver } }), W);
      expectFollowed(r);
      expect(r.sent.map((c) => c.operation)).toEqual(
        cutOver ? ['StopDBInstanceAutomatedBackupsReplication', 'StartDBInstanceAutomatedBackupsReplication'] : [],
      );
    },
  );

  it.each(['rds-instance', 'rds-cluster'] as const)(
    '%s remediate: the reads it plans, then the workflow it names handed over (its own steps run elsewhere)',
    async (type) => {
      if (type === 'rds-instance') await createInstance(emu.clients(), R, 'orders-db');
      else await createDbCluster(emu.clients(), R, 'orders-db');
      const started: string[] = [];
      const workflows: WorkflowStarter = {
        start: async (name, _input, execution) => {
          started.push(name);
          return { started: true, executionId: execution };
        },
      };
      const r = await planAndAct(type, 'orders-db', 'remediate', testPolicy(), R, workflows);
      expectFollowed(r);
      const wf = r.plan.steps.filter((s) => s.kind === 'workflow');
      expect(wf.map((s) => s.kind === 'workflow' && s.name)).toEqual(started);
      expect(started).toEqual(['rds-reencrypt']);
    },
  );
});
