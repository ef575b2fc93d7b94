import {
  AddRoleToDBClusterCommand,
  AddRoleToDBInstanceCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import type { RuleContext } from '../../../../shared/rules/contract';
import type { RdsConfig } from '../../../../shared/rules/rds-database/evaluate';
import {
  clusterDatabase,
  type DatabasePort,
  databasePort,
  instanceDatabase,
} from '../../../../shared/workflows/rds-reencrypt/database-port';
import { reencryptNames } from '../../../../shared/workflows/rds-reencrypt/names';
import type { ReencryptState } from '../../../../shared/workflows/rds-reencrypt/state';

/** Records every command an adapter sends; no network (the RDS client is a stand-in). */
const recorder = () => {
  const sent: { command: unknown; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      sent.push({ command: command.constructor, input: command.input });
      return {};
    },
  };
  const ctx = { clients: { get: () => client }, scope: {} } as unknown as RuleContext;
  return { sent, ctx };
};

const config: RdsConfig = { securityGroupIds: [], engine: 'x' };
const state = (kind: 'instance' | 'cluster'): ReencryptState => ({
  kind,
  account: '123456789012',
  region: 'us-east-1',
  sourceId: 'orders',
  sourceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders',
  reason: 'UNENCRYPTED',
  cmkArn: 'arn:aws:kms:us-east-1:123456789012:key/k1',
  names: reencryptNames('orders'),
  execution: 'x',
});
const common = { Tags: [], CopyTagsToSnapshot: true };

type Op = (db: DatabasePort, ctx: RuleContext) => Promise<unknown>;
/** Each port operation that reaches AWS, and the twin API each adapter must call for it. */
const OPERATIONS: [string, Op, unknown, unknown][] = [
  [
    'snapshotStatus',
    (db, ctx) => db.snapshotStatus('s', ctx),
    DescribeDBSnapshotsCommand,
    DescribeDBClusterSnapshotsCommand,
  ],
  [
    'createSnapshot',
    (db, ctx) => db.createSnapshot('orders', 's', [], ctx),
    CreateDBSnapshotCommand,
    CreateDBClusterSnapshotCommand,
  ],
  ['deleteSnapshot', (db, ctx) => db.deleteSnapshot('s', ctx), DeleteDBSnapshotCommand, DeleteDBClusterSnapshotCommand],
  [
    'restore',
    (db, ctx) => db.restore(state(db.kind), config, common, ctx),
    RestoreDBInstanceFromDBSnapshotCommand,
    RestoreDBClusterFromSnapshotCommand,
  ],
  ['modify', (db, ctx) => db.modify('t', { Port: 1 }, ctx), ModifyDBInstanceCommand, ModifyDBClusterCommand],
  [
    'disableDeletionProtection',
    (db, ctx) => db.disableDeletionProtection('t', ctx),
    ModifyDBInstanceCommand,
    ModifyDBClusterCommand,
  ],
  [
    'addRole',
    (db, ctx) => db.addRole('t', { roleArn: 'arn:aws:iam::123456789012:role/r', featureName: 's3Import' }, ctx),
    AddRoleToDBInstanceCommand,
    AddRoleToDBClusterCommand,
  ],
  [
    'deleteWithFinalSnapshot',
    (db, ctx) => db.deleteWithFinalSnapshot('t', config, 'final', ctx),
    DeleteDBInstanceCommand,
    DeleteDBClusterCommand,
  ],
];

describe('the RDS database port', () => {
  it('is chosen by kind', () => {
    expect(databasePort('instance')).toBe(instanceDatabase);
    expect(databasePort('cluster')).toBe(clusterDatabase);
  });

  it.each(OPERATIONS)(
    '%s: each adapter calls its own twin API, once',
    async (_, op, instanceCommand, clusterCommand) => {
      for (const [db, command] of [
        [instanceDatabase, instanceCommand],
        [clusterDatabase, clusterCommand],
      ] as const) {
        const { sent, ctx } = recorder();
        await op(db, ctx);
        expect(sent.map((c) => c.command)).toEqual([command]);
      }
    },
  );

  it('the table covers every operation of the port that sends a request', () => {
    const local = [
      'kind',
      'label',
      'noun',
      'ruleType',
      'cliModify',
      'cliRenameFlag',
      'snapshottable',
      'restoreSource',
      'afterRestore',
    ];
    // Aurora-only logic, exercised against the emulator by test/integration/rds-workflow.test.ts.
    const kindSpecific = ['configureTail', 'customEndpointPairs'];
    for (const db of [instanceDatabase, clusterDatabase])
      expect(Object.keys(db).sort()).toEqual([...OPERATIONS.map(([name]) => name), ...local, ...kindSpecific].sort());
  });

  it('keeps automated backups only when asked (Blue/Green deletes blue with DeleteAutomatedBackups false)', async () => {
    for (const db of [instanceDatabase, clusterDatabase]) {
      const plain = recorder();
      await db.deleteWithFinalSnapshot('t', config, 'final', plain.ctx);
      expect(plain.sent[0]?.input).not.toHaveProperty('DeleteAutomatedBackups');
      const kept = recorder();
      await db.deleteWithFinalSnapshot('t', config, 'final', kept.ctx, { keepAutomatedBackups: true });
      expect(kept.sent[0]?.input).toMatchObject({ FinalDBSnapshotIdentifier: 'final', DeleteAutomatedBackups: false });
    }
  });

  it('a role without a feature name goes to a cluster only (AddRoleToDBInstance requires FeatureName)', async () => {
    const role = { roleArn: 'arn:aws:iam::123456789012:role/r' };
    const instance = recorder();
    expect(await instanceDatabase.addRole('t', role, instance.ctx)).toBe(false);
    expect(instance.sent).toEqual([]);
    const cluster = recorder();
    expect(await clusterDatabase.addRole('t', role, cluster.ctx)).toBe(true);
    expect(cluster.sent.map((c) => c.command)).toEqual([AddRoleToDBClusterCommand]);
  });

  it("deletes a cluster's members before the cluster, and says how many", async () => {
    const { sent, ctx } = recorder();
    const members = [
      { id: 'm1', writer: true },
      { id: 'm2', writer: false },
    ];
    const out = await clusterDatabase.deleteWithFinalSnapshot('t', { ...config, members }, 'final', ctx);
    expect(out).toEqual({ membersDeleting: 2 });
    expect(sent.map((c) => [c.command, c.input])).toEqual([
      [DeleteDBInstanceCommand, { DBInstanceIdentifier: 'm1' }],
      [DeleteDBInstanceCommand, { DBInstanceIdentifier: 'm2' }],
    ]);
  });
});
