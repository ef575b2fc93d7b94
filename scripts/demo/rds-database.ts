import { DEMO_WAIVER } from './waivers';
import {
  CreateDBInstanceReadReplicaCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { Outcome } from '../../shared/alerts/alert';
import { type EventResult, processEvent } from '../../shared/pipeline/process';
import { Policy } from '../../shared/policy/policy';
import { decide, LocalApprovals } from '../../shared/workflows/approval';
import { LocalWorkflowDriver } from '../../shared/workflows/local-driver';
import { reencryptNames } from '../../shared/workflows/rds-reencrypt/names';
import type { ReencryptState } from '../../shared/workflows/rds-reencrypt/state';
import {
  createCluster,
  createInstance,
  createParameterAndOptionGroups,
  type InstanceSpec,
  rdsEvent,
} from '../../testbed/estates/estate-rds';

// This section shows Blue/Green first (MySQL 8.0: green created on the CMK, the workflow waits for an approval, then
// switches over), then the snapshot-and-restore fallback, on engines AWS Blue/Green does not take (route.ts): MySQL
// 5.6, Aurora PostgreSQL 14.8.
const FALLBACK = { engineVersion: '5.6.51' };
const FALLBACK_CLUSTER = { engine: 'aurora-postgresql', engineVersion: '14.8' };
import { shortKey, table } from '../../cli/table';
import type { DemoPart } from './context';

interface Db {
  id: string;
  kind: 'instance' | 'cluster';
  region: string;
  drift: string;
  fix: boolean;
  create: () => Promise<void>;
}

/**
 * Blue/Green with gates.cutOver on: green is created on the CMK (TargetKmsKeyId) and verified, the workflow waits for
 * `cmk-sentinel approve <execution>`, then switches over and verifies the production name on the CMK.
 */
const blueGreenDemo = async (ctx: Parameters<DemoPart['run']>[0]): Promise<boolean> => {
  const [east] = ctx.regions;
  const id = 'payments-db';
  await createInstance(ctx.clients, east, id, { backupRetention: 7, tags: { team: 'payments' } });
  const approvals = new LocalApprovals();
  const doc = ctx.deps.policy.doc;
  const deps = { ...ctx.deps, policy: new Policy({ ...doc, gates: { ...doc.gates, cutOver: true } }), approvals };
  const driver = new LocalWorkflowDriver(() => deps, { log: deps.log, approvals });
  deps.workflows = driver;
  const rds = ctx.clients.get(RDSClient, { region: east });
  const keyOf = async (name: string) => {
    const x = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name }))).DBInstances?.[0];
    return !x ? 'none' : x.StorageEncrypted ? shortKey(x.KmsKeyId ?? 'aws/rds', ctx.keyNames) : 'unencrypted';
  };
  ctx.print(`Blue/Green (MySQL 8.0.35, gates.cutOver on): ${id} is ${await keyOf(id)}`);
  await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: id, engine: 'mysql' }, east), deps);
  const [execution, started] = [...driver.executions.entries()][0] ?? [];
  if (!execution || !started) {
    ctx.print('  no re-encryption workflow started');
    return false;
  }
  // The execution waits for the approval, or ends first (then there is nothing to approve).
  const ended = await Promise.race([approvals.whenPending(execution).then(() => undefined), started.result]);
  if (ended) {
    ctx.print(`  the workflow ended before asking for an approval: ${ended.status} ${ended.error ?? ''}`);
    return false;
  }
  const pending = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.find((d) =>
    d.DBInstanceIdentifier?.startsWith(`${id}-green-`),
  );
  const green = pending?.DBInstanceIdentifier ?? '(none)';
  ctx.print(
    `  1. green ${green} created and verified: ${await keyOf(green)}; ${id} still serves from blue (${await keyOf(id)})`,
  );
  ctx.print(`  2. waiting for approval: cmk-sentinel approve ${execution}`);
  const decision = await decide(execution, 'approve', { store: approvals, completer: approvals }, 'demo-operator');
  ctx.print(`  3. approved by demo-operator (${decision.completed ? 'task token completed' : 'no task waiting'})`);
  const run = [...(await driver.settle()).values()][0];
  const out = run?.output as ReencryptState | undefined;
  const after = await keyOf(id);
  ctx.print(
    `  4. ${run?.status}: switched over ${out?.switchedOver ? 'and verified' : 'NOT'}: ${id} is ${after}; blue kept as ${id}-old1 (${await keyOf(`${id}-old1`)}) until gates.deleteOriginals`,
  );
  return run?.status === 'SUCCEEDED' && out?.switchedOver === true && after === `CMK ${east}`;
};

export const rdsDatabaseDemo: DemoPart = {
  title: 'RDS instances and Aurora clusters (re-encryption workflow, run in-process on the emulator)',
  covers: ['rds-instance', 'rds-cluster'],
  async run(ctx) {
    const [east, west] = ctx.regions;
    const { clients } = ctx;
    // The workflow engine: Step Functions in AWS; here the same definition and steps, in-process, with no waits.
    const { deps, workflows: driver } = ctx;
    const switchedOver = await blueGreenDemo(ctx);
    ctx.print('\nSnapshot-and-restore fallback (engines Blue/Green does not take; gates off):');

    await createParameterAndOptionGroups(clients, east, 'orders-mysql8');
    const orders: InstanceSpec = {
      instanceClass: 'db.m5.large',
      parameterGroup: 'orders-mysql8',
      optionGroup: 'orders-mysql8',
      multiAz: true,
      port: 3307,
      deletionProtection: true,
      backupRetention: 7,
      iamAuth: true,
      tags: { team: 'orders' },
      engineVersion: FALLBACK.engineVersion,
    };
    const estate: Db[] = [
      {
        id: 'orders-db',
        kind: 'instance',
        region: east,
        drift: 'unencrypted storage',
        fix: true,
        create: () => createInstance(clients, east, 'orders-db', orders),
      },
      {
        id: 'billing-db',
        kind: 'instance',
        region: east,
        drift: 'aws/rds key',
        fix: true,
        create: () => createInstance(clients, east, 'billing-db', { ...FALLBACK, encrypted: true }),
      },
      {
        id: 'crm-db',
        kind: 'instance',
        region: east,
        drift: 'CMK by alias (compliant)',
        fix: false,
        create: () => createInstance(clients, east, 'crm-db', { encrypted: true, kmsKeyId: 'alias/data-platform' }),
      },
      {
        id: 'crm-db-replica',
        kind: 'instance',
        region: east,
        drift: 'read replica of crm-db',
        fix: false,
        create: async () => {
          await clients.get(RDSClient, { region: east }).send(
            new CreateDBInstanceReadReplicaCommand({
              DBInstanceIdentifier: 'crm-db-replica',
              SourceDBInstanceIdentifier: 'crm-db',
            }),
          );
        },
      },
      {
        id: 'legacy-db',
        kind: 'instance',
        region: east,
        drift: 'unencrypted, exempt',
        fix: false,
        create: () => createInstance(clients, east, 'legacy-db', { tags: { 'cmk-sentinel:exempt': DEMO_WAIVER } }),
      },
      {
        id: 'analytics-aurora',
        kind: 'cluster',
        region: east,
        drift: 'Aurora on aws/rds',
        fix: true,
        create: () =>
          createCluster(clients, east, 'analytics-aurora', {
            ...FALLBACK_CLUSTER,
            encrypted: true,
            members: ['analytics-aurora-1', 'analytics-aurora-2'],
            backupRetention: 7,
          }),
      },
      {
        id: 'eu-orders-db',
        kind: 'instance',
        region: west,
        drift: 'unencrypted storage',
        fix: true,
        create: () => createInstance(clients, west, 'eu-orders-db', FALLBACK),
      },
    ];
    for (const d of estate) await d.create();

    const keyOf = async (d: Db, id = d.id): Promise<string> => {
      const rds = clients.get(RDSClient, { region: d.region });
      try {
        const x =
          d.kind === 'cluster'
            ? (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0]
            : (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
        if (!x) return 'none';
        if (!x.StorageEncrypted) return 'unencrypted';
        return !x.KmsKeyId || x.KmsKeyId === 'default_kms_key_id' ? 'aws/rds' : shortKey(x.KmsKeyId, ctx.keyNames);
      } catch {
        return 'none';
      }
    };
    const before = await Promise.all(estate.map((d) => keyOf(d)));
    const results: EventResult[] = [];
    for (const d of estate) {
      const event =
        d.kind === 'cluster'
          ? rdsEvent('CreateDBCluster', { dBClusterIdentifier: d.id, engine: 'aurora-mysql' }, d.region)
          : rdsEvent('CreateDBInstance', { dBInstanceIdentifier: d.id, engine: 'mysql' }, d.region);
      results.push(await processEvent(event, deps));
    }
    const runs = await driver.settle();
    const after = await Promise.all(estate.map((d) => keyOf(d)));
    const copies = await Promise.all(estate.map((d) => keyOf(d, reencryptNames(d.id).target)));
    // One event reaches both the encryption rule and the TLS rule: each gets its own columns.
    const finding = (o: Outcome | undefined) => (o ? `${o.status}${o.reason ? ` ${o.reason}` : ''}` : '-');
    const action = (o: Outcome | undefined) => (o ? `${o.action} ${o.result}` : '-');
    ctx.print(
      table(
        [
          'database',
          'region',
          'drift',
          'before',
          'encryption',
          'action',
          'TLS',
          'TLS action',
          'workflow',
          're-encrypted copy',
          'original after',
        ],
        estate.map((d, i) => {
          const outcomes = results[i]?.outcomes ?? [];
          const o = outcomes.find((x) => x.ref.type === 'rds-instance' || x.ref.type === 'rds-cluster');
          const tls = outcomes.find((x) => x.ref.type === 'rds-tls');
          const run = [...runs.entries()].find(([name]) => name.includes(`-${d.id}-`))?.[1];
          return [
            `${d.kind === 'cluster' ? 'cluster ' : ''}${d.id}`,
            d.region,
            d.drift,
            before[i] ?? '',
            finding(o),
            action(o),
            finding(tls),
            action(tls),
            run ? `${run.status} (${run.path.filter((p) => !/(Check|Wait)$/.test(p)).length} states)` : '-',
            copies[i] === 'none' ? '-' : `${reencryptNames(d.id).target}: ${copies[i]}`,
            after[i] ?? '',
          ];
        }),
      ),
    );
    ctx.print(
      '\nThe originals keep serving (gates.cutOver and gates.deleteOriginals are off): each workflow alert tells the operator how to cut over, e.g.',
    );
    const ordersNames = reencryptNames('orders-db');
    ctx.print(
      `  rename orders-db -> ${ordersNames.retired}, then ${ordersNames.target} -> orders-db (modify-db-instance --new-db-instance-identifier ... --apply-immediately)`,
    );
    const expected = estate.filter((d) => d.fix);
    return {
      expected: expected.length + 1,
      done: expected.filter((d) => copies[estate.indexOf(d)] === `CMK ${d.region}`).length + (switchedOver ? 1 : 0),
    };
  },
};
