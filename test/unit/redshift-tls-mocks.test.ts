import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateClusterParameterGroupCommand, DescribeClusterParameterGroupsCommand, DescribeClusterParametersCommand, DescribeClustersCommand, ModifyClusterCommand,
  ModifyClusterParameterGroupCommand, RedshiftClient,
} from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { type EventResult, processEvent } from '../../shared/pipeline/process';
import { redshiftEvent } from '../../scripts/lib/estate-kms-tls';
import { offlineClients, testDeps } from '../support/harness';

/**
 * SDK mocks for a fault only (AccessDenied on ModifyClusterParameterGroup); the behaviour itself runs on the
 * emulator in test/integration/redshift-tls.test.ts. A tiny in-memory Redshift
 * (clusters → group, group → parameters) stands behind the mocked calls so the pipeline's
 * verify step re-reads real-looking state.
 */
// Cluster events also reach the redshift-cluster rule: these tests look at the TLS outcome.
const tlsOf = (r: EventResult) => r.outcomes.find((o) => o.ref.type === 'redshift-tls');

describe('redshift-tls remediation faults (SDK mock)', () => {
  const redshift = mockClient(RedshiftClient);
  const kms = mockClient(KMSClient);
  const clients = offlineClients();
  const R = 'us-east-1';
  let clusters: Record<string, string>;
  let groups: Record<string, Record<string, string>>;

  beforeEach(() => {
    clusters = {};
    groups = {};
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { Arn: `arn:aws:kms:${R}:123456789012:key/k1`, KeyId: 'k1', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    redshift.on(DescribeClustersCommand).callsFake(async (input: { ClusterIdentifier?: string }) => {
      const ids = input.ClusterIdentifier ? [input.ClusterIdentifier] : Object.keys(clusters);
      if (input.ClusterIdentifier && !clusters[input.ClusterIdentifier]) throw Object.assign(new Error('not found'), { name: 'ClusterNotFoundFault', $metadata: { httpStatusCode: 404 } });
      return { Clusters: ids.map((id) => ({ ClusterIdentifier: id, ClusterParameterGroups: [{ ParameterGroupName: clusters[id] }], Tags: [] })) };
    });
    redshift.on(DescribeClusterParametersCommand).callsFake(async (input: { ParameterGroupName: string }) => ({
      Parameters: Object.entries(groups[input.ParameterGroupName] ?? {}).map(([ParameterName, ParameterValue]) => ({ ParameterName, ParameterValue })),
    }));
    redshift.on(DescribeClusterParameterGroupsCommand).callsFake(async (input: { ParameterGroupName: string }) => {
      if (!groups[input.ParameterGroupName]) throw Object.assign(new Error('not found'), { name: 'ClusterParameterGroupNotFoundFault', $metadata: { httpStatusCode: 404 } });
      return { ParameterGroups: [{ ParameterGroupName: input.ParameterGroupName, ParameterGroupFamily: 'redshift-1.0', Tags: [] }] };
    });
    redshift.on(CreateClusterParameterGroupCommand).callsFake(async (input: { ParameterGroupName: string }) => {
      if (groups[input.ParameterGroupName]) throw Object.assign(new Error('exists'), { name: 'ClusterParameterGroupAlreadyExistsFault', $metadata: { httpStatusCode: 400 } });
      groups[input.ParameterGroupName] = { require_ssl: 'false' };
      return {};
    });
    redshift.on(ModifyClusterParameterGroupCommand).callsFake(async (input: { ParameterGroupName: string; Parameters: { ParameterName: string; ParameterValue: string }[] }) => {
      for (const p of input.Parameters) (groups[input.ParameterGroupName] as Record<string, string>)[p.ParameterName] = p.ParameterValue;
      return { ParameterGroupName: input.ParameterGroupName, ParameterGroupStatus: 'Your parameter group has been updated.' };
    });
    redshift.on(ModifyClusterCommand).callsFake(async (input: { ClusterIdentifier: string; ClusterParameterGroupName: string }) => {
      clusters[input.ClusterIdentifier] = input.ClusterParameterGroupName;
      return {};
    });
  });
  afterEach(() => { redshift.reset(); kms.reset(); });
  afterAll(() => { redshift.restore(); kms.restore(); });

  it('AccessDenied on the change is a typed error naming the action', async () => {
    clusters = { denied: 'solo' };
    groups = { solo: { require_ssl: 'false' } };
    const deps = testDeps(clients);
    redshift.on(ModifyClusterParameterGroupCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const denied = await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'denied' }, R), deps);
    expect(tlsOf(denied)).toMatchObject({ status: 'ERROR', error: { code: 'ACCESS_DENIED', missingPermission: 'redshift:ModifyClusterParameterGroup' } });
  });
});
