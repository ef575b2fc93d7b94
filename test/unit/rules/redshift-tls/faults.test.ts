import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateClusterParameterGroupCommand,
  DescribeClusterParameterGroupsCommand,
  DescribeClusterParametersCommand,
  DescribeClustersCommand,
  ModifyClusterCommand,
  ModifyClusterParameterGroupCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { type EventResult, processEvent } from '../../../../shared/pipeline/process';
import { cloudTrailEvent } from '../../../../testbed/estates/estate';
import { redshiftEvent } from '../../../../testbed/estates/estate-kms-tls';
import { offlineClients, testDeps, testPolicy } from '../../../support/harness';

/**
 * SDK mocks: the emulator lacks ModifyClusterParameterGroup and reports every group `in-sync`. A tiny in-memory
 * Redshift (clusters → group and apply status, group → parameters) stands behind the mocked calls, as the Redshift
 * API reference documents it: require_ssl is a static parameter, and a group attached by ModifyCluster "is applied
 * only after the cluster is rebooted"; until then ClusterParameterStatusList says `pending-reboot`.
 */
// Cluster events also reach the redshift-cluster rule: these tests look at the TLS outcome.
const tlsOf = (r: EventResult) => r.outcomes.find((o) => o.ref.type === 'redshift-tls');

describe('redshift-tls remediation (SDK mock: ModifyClusterParameterGroup is missing from the emulator)', () => {
  const redshift = mockClient(RedshiftClient);
  const kms = mockClient(KMSClient);
  const clients = offlineClients();
  const R = 'us-east-1';
  let clusters: Record<string, string>;
  let groups: Record<string, Record<string, string>>;
  /** Clusters that have not rebooted since their group or its require_ssl changed. */
  let waiting: Set<string>;
  const reboot = (id: string) => waiting.delete(id);

  beforeEach(() => {
    clusters = {};
    groups = {};
    waiting = new Set();
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        Arn: `arn:aws:kms:${R}:123456789012:key/k1`,
        KeyId: 'k1',
        KeyManager: 'CUSTOMER',
        KeyState: 'Enabled',
      },
    });
    redshift.on(DescribeClustersCommand).callsFake(async (input: { ClusterIdentifier?: string }) => {
      const ids = input.ClusterIdentifier ? [input.ClusterIdentifier] : Object.keys(clusters);
      if (input.ClusterIdentifier && !clusters[input.ClusterIdentifier])
        throw Object.assign(new Error('not found'), {
          name: 'ClusterNotFoundFault',
          $metadata: { httpStatusCode: 404 },
        });
      const status = (id: string) => (waiting.has(id) ? 'pending-reboot' : 'in-sync');
      return {
        Clusters: ids.map((id) => ({
          ClusterIdentifier: id,
          Tags: [],
          ClusterParameterGroups: [
            {
              ParameterGroupName: clusters[id],
              ParameterApplyStatus: status(id),
              ClusterParameterStatusList: [{ ParameterName: 'require_ssl', ParameterApplyStatus: status(id) }],
            },
          ],
        })),
      };
    });
    redshift.on(DescribeClusterParametersCommand).callsFake(async (input: { ParameterGroupName: string }) => ({
      Parameters: Object.entries(groups[input.ParameterGroupName] ?? {}).map(([ParameterName, ParameterValue]) => ({
        ParameterName,
        ParameterValue,
        ApplyType: 'static',
      })),
    }));
    redshift.on(DescribeClusterParameterGroupsCommand).callsFake(async (input: { ParameterGroupName: string }) => {
      if (!groups[input.ParameterGroupName])
        throw Object.assign(new Error('not found'), {
          name: 'ClusterParameterGroupNotFoundFault',
          $metadata: { httpStatusCode: 404 },
        });
      return {
        ParameterGroups: [
          { ParameterGroupName: input.ParameterGroupName, ParameterGroupFamily: 'redshift-1.0', Tags: [] },
        ],
      };
    });
    redshift.on(CreateClusterParameterGroupCommand).callsFake(async (input: { ParameterGroupName: string }) => {
      if (groups[input.ParameterGroupName])
        throw Object.assign(new Error('exists'), {
          name: 'ClusterParameterGroupAlreadyExistsFault',
          $metadata: { httpStatusCode: 400 },
        });
      groups[input.ParameterGroupName] = { require_ssl: 'false' };
      return {};
    });
    redshift
      .on(ModifyClusterParameterGroupCommand)
      .callsFake(
        async (input: {
          ParameterGroupName: string;
          Parameters: { ParameterName: string; ParameterValue: string }[];
        }) => {
          for (const p of input.Parameters)
            (groups[input.ParameterGroupName] as Record<string, string>)[p.ParameterName] = p.ParameterValue;
          for (const [id, g] of Object.entries(clusters)) if (g === input.ParameterGroupName) waiting.add(id);
          return {
            ParameterGroupName: input.ParameterGroupName,
            ParameterGroupStatus: 'Your parameter group has been updated.',
          };
        },
      );
    redshift
      .on(ModifyClusterCommand)
      .callsFake(async (input: { ClusterIdentifier: string; ClusterParameterGroupName: string }) => {
        clusters[input.ClusterIdentifier] = input.ClusterParameterGroupName;
        waiting.add(input.ClusterIdentifier);
        return {};
      });
  });
  afterEach(() => {
    redshift.reset();
    kms.reset();
  });
  afterAll(() => {
    redshift.restore();
    kms.restore();
  });

  it('a cluster on the default group gets a custom copy with require_ssl=true, attached; reboot in the alert', async () => {
    clusters = { warehouse: 'default.redshift-1.0' };
    groups = { 'default.redshift-1.0': { require_ssl: 'false' } };
    const deps = testDeps(clients);
    const result = await processEvent(redshiftEvent('CreateCluster', { clusterIdentifier: 'warehouse' }, R), deps);
    expect(tlsOf(result)?.error).toBeUndefined();
    expect(tlsOf(result)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'NO_TLS',
      action: 'REMEDIATE',
      result: 'PENDING',
    });
    expect(clusters.warehouse).toBe('cmk-sentinel-tls-redshift-1-0');
    expect(groups['cmk-sentinel-tls-redshift-1-0']).toEqual({ require_ssl: 'true' });
    expect(groups['default.redshift-1.0']).toEqual({ require_ssl: 'false' });
    expect(redshift.commandCalls(CreateClusterParameterGroupCommand)[0]?.args[0].input).toMatchObject({
      ParameterGroupFamily: 'redshift-1.0',
    });
    expect(deps.alerts.alerts.find((a) => a.resource.type === 'redshift-tls')?.action.detail).toMatch(
      /reboot cluster warehouse/,
    );

    // Not enforced until the owner reboots: reported PENDING_REBOOT, nothing sent; compliant after the reboot.
    const calls = redshift.commandCalls(ModifyClusterCommand).length;
    const pendingOut = tlsOf(
      await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'warehouse' }, R), deps),
    );
    expect(pendingOut).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'PENDING_REBOOT',
      action: 'REPORT',
      detail: expect.stringMatching(/parameter status is pending-reboot: reboot cluster warehouse/),
    });
    expect(redshift.commandCalls(ModifyClusterCommand)).toHaveLength(calls);
    reboot('warehouse');
    expect(
      tlsOf(await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'warehouse' }, R), deps)),
    ).toMatchObject({ status: 'COMPLIANT' });

    // Another default-group cluster reuses the custom group (AlreadyExists is not a failure).
    clusters.lake = 'default.redshift-1.0';
    const second = await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'lake' }, R), deps);
    expect(tlsOf(second)).toMatchObject({ result: 'PENDING' });
    expect(clusters.lake).toBe('cmk-sentinel-tls-redshift-1-0');
  });

  it('a custom group shared by clusters: reported with every cluster behind the gate; changed when the gate is on', async () => {
    clusters = { a: 'team', b: 'team', c: 'other' };
    groups = { team: { require_ssl: 'false' }, other: { require_ssl: 'true' } };
    const closed = await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'a' }, R), testDeps(clients));
    expect(tlsOf(closed)).toMatchObject({ reason: 'NO_TLS', action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect(tlsOf(closed)?.actionDetail).toMatch(/clusters a, b/);
    expect(redshift.commandCalls(ModifyClusterParameterGroupCommand)).toHaveLength(0);

    const open = await processEvent(
      redshiftEvent('ModifyCluster', { clusterIdentifier: 'a' }, R),
      testDeps(clients, { policy: testPolicy({ gates: { modifySharedParameterGroups: true } }) }),
    );
    expect(tlsOf(open)).toMatchObject({
      result: 'PENDING',
      actionDetail: expect.stringMatching(/affects clusters a, b: reboot clusters a, b /),
    });
    expect(groups.team).toEqual({ require_ssl: 'true' });
    expect(clusters.a).toBe('team');
  });

  it('a cluster already on a group with require_ssl is compliant; AccessDenied on the change is a typed error naming the action', async () => {
    clusters = { ok: 'other', denied: 'solo' };
    groups = { other: { require_ssl: 'true' }, solo: { require_ssl: 'false' } };
    const deps = testDeps(clients);
    expect(
      tlsOf(await processEvent(redshiftEvent('CreateCluster', { clusterIdentifier: 'ok' }, R), deps)),
    ).toMatchObject({ status: 'COMPLIANT' });
    redshift
      .on(ModifyClusterParameterGroupCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const denied = await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'denied' }, R), deps);
    expect(tlsOf(denied)).toMatchObject({
      status: 'ERROR',
      error: { code: 'ACCESS_DENIED', missingPermission: 'redshift:ModifyClusterParameterGroup' },
    });
  });

  it('ModifyClusterParameterGroup turning require_ssl off: the group is fixed when one cluster uses it, reported when shared', async () => {
    clusters = { solo: 'solo-group', a: 'duo', b: 'duo' };
    groups = { 'solo-group': { require_ssl: 'false' }, duo: { require_ssl: 'false' } };
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
    const deps = testDeps(clients);
    const solo = await processEvent(groupEvent('solo-group'), deps);
    expect(tlsOf(solo)).toMatchObject({
      ref: { id: 'pg:solo-group' },
      reason: 'NO_TLS',
      result: 'PENDING',
      arn: expect.stringMatching(/:parametergroup:solo-group$/),
    });
    expect(tlsOf(await processEvent(groupEvent('solo-group'), deps))).toMatchObject({
      reason: 'PENDING_REBOOT',
      detail: expect.stringMatching(/solo \(pending-reboot\) do not run it yet/),
    });
    expect(groups['solo-group']).toEqual({ require_ssl: 'true' });
    const duo = await processEvent(groupEvent('duo'), deps);
    expect(tlsOf(duo)).toMatchObject({ action: 'REPORT', actionDetail: expect.stringMatching(/clusters a, b/) });
    expect(groups.duo).toEqual({ require_ssl: 'false' });
    expect(tlsOf(await processEvent(groupEvent('gone'), deps))).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'RESOURCE_GONE',
    });
  });
});
