import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  AddTagsToResourceCommand,
  CreateDBParameterGroupCommand,
  DescribeDBInstancesCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBParametersCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudTrailEvent } from '../../../../testbed/estates/estate';
import { rdsEvent } from '../../../../testbed/estates/estate-kms-tls';
import { type EventResult, processEvent } from '../../../../shared/pipeline/process';
import { quarantineDatabase } from '../../../../shared/rules/rds-database/quarantine';
import type { RdsDatabaseState } from '../../../../shared/rules/rds-database/evaluate';
import { offlineClients, testDeps, testPolicy } from '../../../support/harness';

/**
 * SDK mocks: moto reports every instance's DBParameterGroups[].ParameterApplyStatus as `in-sync` and returns
 * no ApplyType, so the reboot AWS needs cannot be shown there. A small in-memory RDS behaves as the RDS API
 * reference documents it:
 * - ModifyDBInstance DBParameterGroupName: "The parameter group name itself is changed immediately, but the actual
 *   parameter changes are not applied until you reboot the instance" → status `pending-reboot`.
 * - ModifyDBParameterGroup: `immediate` on a dynamic parameter applies at once; on a static one RDS refuses it
 *   (InvalidParameterCombination); `pending-reboot` leaves every instance on the group `pending-reboot`.
 * - ApplyImmediately would apply the instance's PendingModifiedValues too: recorded, so a test can see it never is.
 */
const tlsOf = (r: EventResult) => r.outcomes.find((o) => o.ref.type === 'rds-tls');

describe('rds-tls: TLS enforced only when the instance runs it (SDK mock)', () => {
  const rds = mockClient(RDSClient);
  const kms = mockClient(KMSClient);
  const clients = offlineClients();
  const R = 'us-east-1';
  interface Inst {
    engine: string;
    group: string;
    status: string;
    pending?: Record<string, unknown>;
    appliedQueued?: boolean;
  }
  let instances: Record<string, Inst>;
  let groups: Record<
    string,
    { family: string; params: Record<string, string>; types: Record<string, 'static' | 'dynamic'> }
  >;

  beforeEach(() => {
    instances = {};
    groups = {};
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        Arn: `arn:aws:kms:${R}:123456789012:key/k1`,
        KeyId: 'k1',
        KeyManager: 'CUSTOMER',
        KeyState: 'Enabled',
      },
    });
    const view = (id: string) => {
      const i = instances[id] as Inst;
      return {
        DBInstanceIdentifier: id,
        Engine: i.engine,
        DBInstanceArn: `arn:aws:rds:${R}:123456789012:db:${id}`,
        DBParameterGroups: [{ DBParameterGroupName: i.group, ParameterApplyStatus: i.status }],
        PendingModifiedValues: i.pending ?? {},
      };
    };
    rds.on(DescribeDBInstancesCommand).callsFake(async (input: { DBInstanceIdentifier?: string }) => {
      if (input.DBInstanceIdentifier && !instances[input.DBInstanceIdentifier])
        throw Object.assign(new Error('nf'), { name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } });
      return {
        DBInstances: (input.DBInstanceIdentifier ? [input.DBInstanceIdentifier] : Object.keys(instances)).map(view),
      };
    });
    rds.on(DescribeDBParametersCommand).callsFake(async (input: { DBParameterGroupName: string }) => {
      const g = groups[input.DBParameterGroupName];
      return {
        Parameters: Object.entries(g?.params ?? {}).map(([ParameterName, ParameterValue]) => ({
          ParameterName,
          ParameterValue,
          ApplyType: g?.types[ParameterName],
        })),
      };
    });
    rds.on(DescribeDBParameterGroupsCommand).callsFake(async (input: { DBParameterGroupName: string }) => {
      const g = groups[input.DBParameterGroupName];
      if (!g)
        throw Object.assign(new Error('nf'), {
          name: 'DBParameterGroupNotFoundFault',
          $metadata: { httpStatusCode: 404 },
        });
      return {
        DBParameterGroups: [
          {
            DBParameterGroupName: input.DBParameterGroupName,
            DBParameterGroupFamily: g.family,
            DBParameterGroupArn: `arn:aws:rds:${R}:123456789012:pg:${input.DBParameterGroupName}`,
          },
        ],
      };
    });
    rds
      .on(CreateDBParameterGroupCommand)
      .callsFake(async (input: { DBParameterGroupName: string; DBParameterGroupFamily: string }) => {
        const base = groups[`default.${input.DBParameterGroupFamily}`];
        groups[input.DBParameterGroupName] = {
          family: input.DBParameterGroupFamily,
          params: { ...base?.params },
          types: { ...base?.types },
        };
        return {};
      });
    rds
      .on(ModifyDBParameterGroupCommand)
      .callsFake(
        async (input: {
          DBParameterGroupName: string;
          Parameters: { ParameterName: string; ParameterValue: string; ApplyMethod: string }[];
        }) => {
          const g = groups[input.DBParameterGroupName] as (typeof groups)[string];
          for (const p of input.Parameters) {
            if (p.ApplyMethod === 'immediate' && g.types[p.ParameterName] === 'static') {
              throw Object.assign(new Error('cannot use immediate apply method for static parameter'), {
                name: 'InvalidParameterCombination',
                $metadata: { httpStatusCode: 400 },
              });
            }
            g.params[p.ParameterName] = p.ParameterValue;
            if (p.ApplyMethod === 'pending-reboot')
              for (const i of Object.values(instances))
                if (i.group === input.DBParameterGroupName) i.status = 'pending-reboot';
          }
          return { DBParameterGroupName: input.DBParameterGroupName };
        },
      );
    rds
      .on(ModifyDBInstanceCommand)
      .callsFake(
        async (input: { DBInstanceIdentifier: string; DBParameterGroupName?: string; ApplyImmediately?: boolean }) => {
          const i = instances[input.DBInstanceIdentifier] as Inst;
          if (input.DBParameterGroupName) {
            i.group = input.DBParameterGroupName;
            i.status = 'pending-reboot';
          }
          if (input.ApplyImmediately) {
            i.appliedQueued = true;
            i.pending = {};
          }
          return { DBInstance: view(input.DBInstanceIdentifier) };
        },
      );
    rds.on(ListTagsForResourceCommand).resolves({ TagList: [] });
  });
  afterEach(() => {
    rds.reset();
    kms.reset();
  });
  afterAll(() => {
    rds.restore();
    kms.restore();
  });

  it('default group: a custom copy is attached without ApplyImmediately; PENDING until the reboot; the queued changes stay queued', async () => {
    groups = {
      'default.postgres16': {
        family: 'postgres16',
        params: { 'rds.force_ssl': '0' },
        types: { 'rds.force_ssl': 'dynamic' },
      },
    };
    instances = {
      orders: {
        engine: 'postgres',
        group: 'default.postgres16',
        status: 'in-sync',
        pending: { DBInstanceClass: 'db.r6g.large' },
      },
    };
    const deps = testDeps(clients);
    const first = tlsOf(await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'orders' }, R), deps));
    expect(first).toMatchObject({ reason: 'NO_TLS', action: 'REMEDIATE', result: 'PENDING' });
    expect(first?.actionDetail).toMatch(/reboot instance orders .*never reboots.*without TLS/);
    expect(first?.actionDetail).toMatch(/queued for its maintenance window \(DBInstanceClass\): left queued/);
    const modify = rds.commandCalls(ModifyDBInstanceCommand)[0]?.args[0].input;
    expect(modify).toEqual({ DBInstanceIdentifier: 'orders', DBParameterGroupName: 'cmk-sentinel-tls-postgres16' });
    expect(instances.orders?.appliedQueued).toBeUndefined();
    expect(instances.orders?.pending).toEqual({ DBInstanceClass: 'db.r6g.large' });

    // The group says TLS, the instance does not run it yet: non-compliant, reported with the reboot, nothing sent.
    rds.resetHistory();
    const waiting = tlsOf(
      await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'orders' }, R), deps),
    );
    expect(waiting).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'PENDING_REBOOT',
      action: 'REPORT',
      result: 'NOT_ATTEMPTED',
    });
    expect(waiting?.detail).toMatch(/parameter status is pending-reboot: reboot instance orders/);
    expect(deps.alerts.alerts.at(-1)?.action.detail).toMatch(/reboot instance orders/);
    expect(rds.commandCalls(ModifyDBInstanceCommand)).toHaveLength(0);
    expect(rds.commandCalls(ModifyDBParameterGroupCommand)).toHaveLength(0);

    // The owner reboots: in-sync, compliant.
    (instances.orders as Inst).status = 'in-sync';
    expect(
      tlsOf(await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'orders' }, R), deps)),
    ).toMatchObject({ status: 'COMPLIANT' });
  });

  it('a dynamic parameter on its own custom group is set with immediate apply and verified; no reboot asked', async () => {
    groups = {
      shop: {
        family: 'mysql8.0',
        params: { require_secure_transport: '0' },
        types: { require_secure_transport: 'dynamic' },
      },
    };
    instances = { shop: { engine: 'mysql', group: 'shop', status: 'in-sync' } };
    const out = tlsOf(
      await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'shop' }, R), testDeps(clients)),
    );
    expect(out).toMatchObject({
      reason: 'NO_TLS',
      result: 'VERIFIED',
      actionDetail: expect.stringMatching(/immediate apply \(dynamic parameter, no reboot\)/),
    });
    expect(rds.commandCalls(ModifyDBParameterGroupCommand)[0]?.args[0].input.Parameters).toEqual([
      { ParameterName: 'require_secure_transport', ParameterValue: '1', ApplyMethod: 'immediate' },
    ]);
  });

  it('SQL Server rds.force_ssl is static: set pending-reboot, PENDING with the reboot, never VERIFIED before it', async () => {
    groups = {
      mssql: { family: 'sqlserver-se-15.0', params: { 'rds.force_ssl': '0' }, types: { 'rds.force_ssl': 'static' } },
    };
    instances = { ledger: { engine: 'sqlserver-se', group: 'mssql', status: 'in-sync' } };
    const out = tlsOf(
      await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'ledger' }, R), testDeps(clients)),
    );
    expect(out).toMatchObject({
      reason: 'NO_TLS',
      result: 'PENDING',
      actionDetail: expect.stringMatching(/static parameter.*reboot instance ledger/),
    });
    expect(
      rds.commandCalls(ModifyDBParameterGroupCommand).map((c) => c.args[0].input.Parameters?.[0]?.ApplyMethod),
    ).toEqual(['pending-reboot']);
  });

  it('a parameter AWS reports static where the engine default says dynamic: immediate is refused, retried pending-reboot', async () => {
    groups = {
      oldpg: { family: 'postgres10', params: { 'rds.force_ssl': '0' }, types: { 'rds.force_ssl': 'static' } },
    };
    instances = { legacy: { engine: 'postgres', group: 'oldpg', status: 'in-sync' } };
    // The read ApplyType wins over the engine's default; force the refusal path by hiding it once.
    rds
      .on(DescribeDBParametersCommand)
      .resolvesOnce({ Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '0' }] })
      .callsFake(async () => ({
        Parameters: [
          {
            ParameterName: 'rds.force_ssl',
            ParameterValue: groups.oldpg?.params['rds.force_ssl'],
            ApplyType: 'static',
          },
        ],
      }));
    const out = tlsOf(
      await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'legacy' }, R), testDeps(clients)),
    );
    expect(out?.error).toBeUndefined();
    expect(out).toMatchObject({ result: 'PENDING' });
    expect(
      rds.commandCalls(ModifyDBParameterGroupCommand).map((c) => c.args[0].input.Parameters?.[0]?.ApplyMethod),
    ).toEqual(['immediate', 'pending-reboot']);
  });

  it('a parameter-group event: TLS on in the group but instances still pending-reboot are named', async () => {
    groups = {
      team: { family: 'postgres16', params: { 'rds.force_ssl': '1' }, types: { 'rds.force_ssl': 'dynamic' } },
    };
    instances = {
      a: { engine: 'postgres', group: 'team', status: 'pending-reboot' },
      b: { engine: 'postgres', group: 'team', status: 'in-sync' },
    };
    const event = cloudTrailEvent({
      source: 'aws.rds',
      eventSource: 'rds.amazonaws.com',
      eventName: 'ModifyDBParameterGroup',
      region: R,
      requestParameters: { dBParameterGroupName: 'team' },
    });
    const out = tlsOf(
      await processEvent(
        event,
        testDeps(clients, { policy: testPolicy({ gates: { modifySharedParameterGroups: true } }) }),
      ),
    );
    expect(out).toMatchObject({
      reason: 'PENDING_REBOOT',
      action: 'REPORT',
      detail: expect.stringMatching(/a \(pending-reboot\) do not run it yet: reboot instance a /),
    });
    (instances.a as Inst).status = 'in-sync';
    expect(tlsOf(await processEvent(event, testDeps(clients)))).toMatchObject({ status: 'COMPLIANT' });
  });

  it('quarantine closes public access without ApplyImmediately and says what stays queued', async () => {
    instances = {
      open: { engine: 'postgres', group: 'default.postgres16', status: 'in-sync', pending: { AllocatedStorage: 500 } },
    };
    let publicly = true;
    rds.on(DescribeDBInstancesCommand).callsFake(async () => ({
      DBInstances: [
        {
          DBInstanceIdentifier: 'open',
          PubliclyAccessible: publicly,
          PendingModifiedValues: instances.open?.pending,
          TagList: [{ Key: 'cmk-sentinel:quarantine', Value: 'UNENCRYPTED' }],
        },
      ],
    }));
    rds.on(ModifyDBInstanceCommand).callsFake(async (input: { PubliclyAccessible?: boolean }) => {
      publicly = input.PubliclyAccessible ?? publicly;
      return {};
    });
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    rds.on(AddTagsToResourceCommand).resolves({});
    const policy = testPolicy();
    const state = {
      kind: 'instance',
      id: 'open',
      arn: `arn:aws:rds:${R}:123456789012:db:open`,
      region: R,
      account: '123456789012',
      status: 'available',
      storageEncrypted: false,
      tags: { [policy.doc.quarantineTag]: 'UNENCRYPTED' },
      config: { securityGroupIds: [], publiclyAccessible: true },
    } as RdsDatabaseState;
    const done = await quarantineDatabase(
      state,
      { status: 'NON_COMPLIANT', reason: 'UNENCRYPTED' },
      {
        clients,
        keys: { observe: async (ref: string | undefined) => ({ ref }) } as never,
        policy,
        scope: { region: R, account: '123456789012' },
      },
    );
    expect(rds.commandCalls(ModifyDBInstanceCommand)[0]?.args[0].input).toEqual({
      DBInstanceIdentifier: 'open',
      PubliclyAccessible: false,
    });
    expect(done.detail).toMatch(
      /made open not publicly accessible \(its changes queued for the maintenance window, AllocatedStorage, stay queued\)/,
    );
  });
});
