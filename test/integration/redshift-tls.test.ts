import {
  CreateClusterParameterGroupCommand,
  DescribeClusterParameterGroupsCommand,
  DescribeClusterParametersCommand,
  DescribeClustersCommand,
  ModifyClusterCommand,
  ModifyClusterParameterGroupCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { type EventResult, processEvent } from '../../shared/pipeline/process';
import { cloudTrailEvent, createKey } from '../../testbed/estates/estate';
import { createRedshiftCluster, redshiftEvent } from '../../testbed/estates/estate-kms-tls';
import { testDeps, testPolicy, useEmulator } from '../support/harness';

// redshift-tls remediation end to end on the emulator: ModifyClusterParameterGroup and the per-group
// DescribeClusterParameters come from the emulator extension (testbed/emulator/redshift_ext.py,
// https://docs.aws.amazon.com/redshift/latest/APIReference/API_ModifyClusterParameterGroup.html).
// The AccessDenied fault stays an SDK mock: test/unit/rules/redshift-tls/faults.test.ts.
const R = 'us-east-1';
const emu = useEmulator();
// Cluster events also reach the redshift-cluster rule: these tests look at the TLS outcome.
const tlsOf = (r: EventResult) => r.outcomes.find((o) => o.ref.type === 'redshift-tls');
const redshift = () => emu.clients().get(RedshiftClient, { region: R });
const groupOf = async (id: string) =>
  (
    await redshift().send(new DescribeClustersCommand({ ClusterIdentifier: id }))
  ).Clusters?.[0]?.ClusterParameterGroups?.map((g) => g.ParameterGroupName);
const requireSsl = async (group: string) =>
  (await redshift().send(new DescribeClusterParametersCommand({ ParameterGroupName: group }))).Parameters?.find(
    (p) => p.ParameterName === 'require_ssl',
  );
const customGroup = async (name: string, requireSslValue: 'true' | 'false') => {
  await redshift().send(
    new CreateClusterParameterGroupCommand({
      ParameterGroupName: name,
      ParameterGroupFamily: 'redshift-1.0',
      Description: name,
    }),
  );
  if (requireSslValue === 'true') {
    await redshift().send(
      new ModifyClusterParameterGroupCommand({
        ParameterGroupName: name,
        Parameters: [{ ParameterName: 'require_ssl', ParameterValue: 'true' }],
      }),
    );
  }
};

beforeEach(async () => {
  await emu.current.reset();
  await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('redshift-tls remediation on the emulator', () => {
  it('a cluster on the default group gets a custom copy with require_ssl=true, attached; reboot in the alert', async () => {
    await createRedshiftCluster(emu.clients(), R, 'warehouse');
    const deps = testDeps(emu.clients());
    const result = await processEvent(redshiftEvent('CreateCluster', { clusterIdentifier: 'warehouse' }, R), deps);
    expect(tlsOf(result)?.error).toBeUndefined();
    // require_ssl is static and a new group applies after a reboot: PENDING (the emulator reports every group in-sync;
    // the
    // pending-reboot verdict itself is tested with SDK mocks in test/unit/rules/redshift-tls/faults.test.ts).
    expect(tlsOf(result)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'NO_TLS',
      action: 'REMEDIATE',
      result: 'PENDING',
    });
    expect(await groupOf('warehouse')).toEqual(['cmk-sentinel-tls-redshift-1-0']);
    expect(await requireSsl('cmk-sentinel-tls-redshift-1-0')).toMatchObject({ ParameterValue: 'true', Source: 'user' });
    expect(await requireSsl('default.redshift-1.0')).toMatchObject({
      ParameterValue: 'false',
      Source: 'engine-default',
    });
    const made = (
      await redshift().send(
        new DescribeClusterParameterGroupsCommand({ ParameterGroupName: 'cmk-sentinel-tls-redshift-1-0' }),
      )
    ).ParameterGroups?.[0];
    expect(made?.ParameterGroupFamily).toBe('redshift-1.0');
    expect(deps.alerts.alerts.find((a) => a.resource.type === 'redshift-tls')?.action.detail).toMatch(
      /reboot cluster warehouse/,
    );

    // Another default-group cluster reuses the custom group (AlreadyExists is not a failure).
    await createRedshiftCluster(emu.clients(), R, 'lake');
    const second = await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'lake' }, R), deps);
    expect(tlsOf(second)).toMatchObject({ result: 'PENDING' });
    expect(await groupOf('lake')).toEqual(['cmk-sentinel-tls-redshift-1-0']);
    expect(await requireSsl('cmk-sentinel-tls-redshift-1-0')).toMatchObject({ ParameterValue: 'true' });
  });

  it('a custom group shared by clusters: reported with every cluster behind the gate; changed when the gate is on', async () => {
    await customGroup('team', 'false');
    await customGroup('other', 'true');
    for (const [id, group] of [
      ['a', 'team'],
      ['b', 'team'],
      ['c', 'other'],
    ] as const)
      await createRedshiftCluster(emu.clients(), R, id, group);
    const closed = await processEvent(
      redshiftEvent('ModifyCluster', { clusterIdentifier: 'a' }, R),
      testDeps(emu.clients()),
    );
    expect(tlsOf(closed)).toMatchObject({ reason: 'NO_TLS', action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect(tlsOf(closed)?.actionDetail).toMatch(/clusters a, b/);
    expect((await requireSsl('team'))?.ParameterValue).toBe('false');

    const open = await processEvent(
      redshiftEvent('ModifyCluster', { clusterIdentifier: 'a' }, R),
      testDeps(emu.clients(), { policy: testPolicy({ gates: { modifySharedParameterGroups: true } }) }),
    );
    expect(tlsOf(open)).toMatchObject({
      result: 'PENDING',
      actionDetail: expect.stringMatching(/affects clusters a, b: reboot clusters a, b /),
    });
    expect((await requireSsl('team'))?.ParameterValue).toBe('true');
    expect(await groupOf('a')).toEqual(['team']);
  });

  it('a cluster already on a group with require_ssl is compliant', async () => {
    await customGroup('other', 'true');
    await createRedshiftCluster(emu.clients(), R, 'ok', 'other');
    expect(
      tlsOf(
        await processEvent(redshiftEvent('CreateCluster', { clusterIdentifier: 'ok' }, R), testDeps(emu.clients())),
      ),
    ).toMatchObject({ status: 'COMPLIANT' });
  });

  it('ModifyClusterParameterGroup turning require_ssl off: the group is fixed when one cluster uses it, reported when shared', async () => {
    await customGroup('solo-group', 'false');
    await customGroup('duo', 'false');
    await createRedshiftCluster(emu.clients(), R, 'solo', 'solo-group');
    await createRedshiftCluster(emu.clients(), R, 'a', 'duo');
    await createRedshiftCluster(emu.clients(), R, 'b', 'duo');
    const groupEvent = (parameterGroupName: string) =>
      cloudTrailEvent({
        source: 'aws.redshift',
        eventSource: 'redshift.amazonaws.com',
        eventName: 'ModifyClusterParameterGroup',
        region: R,
        requestParameters: {
          parameterGroupName,
          parameters: [{ parameterName: 'require_ssl', parameterValue: 'false' }],
        },
      });
    const deps = testDeps(emu.clients());
    const solo = await processEvent(groupEvent('solo-group'), deps);
    expect(tlsOf(solo)).toMatchObject({
      ref: { id: 'pg:solo-group' },
      reason: 'NO_TLS',
      result: 'PENDING',
      arn: expect.stringMatching(/:parametergroup:solo-group$/),
    });
    expect((await requireSsl('solo-group'))?.ParameterValue).toBe('true');
    const duo = await processEvent(groupEvent('duo'), deps);
    expect(tlsOf(duo)).toMatchObject({ action: 'REPORT', actionDetail: expect.stringMatching(/clusters a, b/) });
    expect((await requireSsl('duo'))?.ParameterValue).toBe('false');
    expect(tlsOf(await processEvent(groupEvent('gone'), deps))).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'RESOURCE_GONE',
    });
  });
});

describe('Redshift parameter groups on the emulator (the refusals the API reference states)', () => {
  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return {
        name: (e as Error).name,
        status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
      };
    }
    throw new Error('expected a refusal');
  };
  const modify = (ParameterGroupName: string, Parameters: { ParameterName: string; ParameterValue?: string }[]) =>
    redshift().send(new ModifyClusterParameterGroupCommand({ ParameterGroupName, Parameters }));

  it('refuses an unknown group, a default group, an unknown parameter, more than 20 parameters, an existing group name and an unknown group on ModifyCluster', async () => {
    await customGroup('g', 'false');
    expect(await refusal(modify('nope', [{ ParameterName: 'require_ssl', ParameterValue: 'true' }]))).toEqual({
      name: 'ClusterParameterGroupNotFoundFault',
      status: 404,
    });
    expect(
      await refusal(modify('default.redshift-1.0', [{ ParameterName: 'require_ssl', ParameterValue: 'true' }])),
    ).toMatchObject({ name: 'InvalidClusterParameterGroupStateFault', status: 400 });
    expect(await refusal(modify('g', [{ ParameterName: 'no_such_parameter', ParameterValue: 'x' }]))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(await refusal(modify('g', [{ ParameterName: 'require_ssl' }]))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await refusal(
        modify(
          'g',
          Array.from({ length: 21 }, () => ({ ParameterName: 'require_ssl', ParameterValue: 'true' })),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect((await requireSsl('g'))?.ParameterValue).toBe('false');
    expect(
      await refusal(
        redshift().send(
          new CreateClusterParameterGroupCommand({
            ParameterGroupName: 'g',
            ParameterGroupFamily: 'redshift-1.0',
            Description: 'again',
          }),
        ),
      ),
    ).toMatchObject({ name: 'ClusterParameterGroupAlreadyExistsFault', status: 400 });
    await createRedshiftCluster(emu.clients(), R, 'dw');
    expect(
      await refusal(
        redshift().send(new ModifyClusterCommand({ ClusterIdentifier: 'dw', ClusterParameterGroupName: 'nope' })),
      ),
    ).toMatchObject({ name: 'ClusterParameterGroupNotFoundFault' });
  });

  it('DescribeClusterParameters filters by Source', async () => {
    await customGroup('g', 'true');
    const user = (
      await redshift().send(new DescribeClusterParametersCommand({ ParameterGroupName: 'g', Source: 'user' }))
    ).Parameters;
    expect(user?.map((p) => [p.ParameterName, p.ParameterValue])).toEqual([['require_ssl', 'true']]);
    const defaults = (
      await redshift().send(new DescribeClusterParametersCommand({ ParameterGroupName: 'g', Source: 'engine-default' }))
    ).Parameters;
    expect(defaults?.some((p) => p.ParameterName === 'require_ssl')).toBe(false);
    expect(defaults?.length).toBeGreaterThan(3);
  });
});
