import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { DescribeClustersCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { redshiftEvent } from '../../../../testbed/estates/estate-kms-tls';
import { processEvent } from '../../../../shared/pipeline/process';
import { evaluateRedshiftCluster, type RedshiftClusterState } from '../../../../shared/rules/redshift-cluster/evaluate';
import { offlineClients, testDeps, testPolicy } from '../../../support/harness';

const R = 'us-east-1';
const A = '123456789012';
const CMK = `arn:aws:kms:${R}:${A}:key/cmk-1`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const keyPolicy = (roles: string[]) =>
  JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: roles }, Action: 'kms:*', Resource: '*' }] });

describe('redshift-cluster role check: pure', () => {
  const ctx = {
    region: R,
    cmk: { arn: CMK, keyId: 'cmk-1', region: R, account: A, managedBy: 'CUSTOMER' as const },
    policy: testPolicy(),
  };
  const state = (over: Partial<RedshiftClusterState>): RedshiftClusterState => ({
    id: 'dw',
    arn: `arn:aws:redshift:${R}:${A}:cluster:dw`,
    region: R,
    status: 'available',
    encrypted: true,
    keyRef: CMK,
    observedKey: { ref: CMK, info: ctx.cmk },
    encryptionPending: false,
    publiclyAccessible: false,
    tags: {},
    ...over,
  });
  it('a wrong key and a role without the CMK: the key is the reason, the role an "also"', () => {
    const f = evaluateRedshiftCluster(
      state({ encrypted: false, roles: [role('x')], cmkAccess: { keyPolicy: keyPolicy([]), grants: [] } }),
      ctx,
    );
    expect(f).toMatchObject({
      reason: 'UNENCRYPTED',
      detail: expect.stringMatching(/; also, its IAM role for COPY\/UNLOAD .*role\/x/),
    });
  });
  it('no roles, or roles that may use the CMK: compliant', () => {
    expect(evaluateRedshiftCluster(state({ roles: [] }), ctx).status).toBe('COMPLIANT');
    expect(
      evaluateRedshiftCluster(
        state({ roles: [role('x')], cmkAccess: { keyPolicy: keyPolicy([role('x')]), grants: [] } }),
        ctx,
      ).status,
    ).toBe('COMPLIANT');
  });
});

describe('redshift-cluster role check: DefaultIamRoleArn and roles being removed (SDK mock: moto has no DefaultIamRoleArn)', () => {
  const redshift = mockClient(RedshiftClient);
  const kms = mockClient(KMSClient);
  afterEach(() => {
    redshift.reset();
    kms.reset();
  });
  afterAll(() => {
    redshift.restore();
    kms.restore();
  });

  it('the default role counts, a role being removed does not', async () => {
    kms
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { Arn: CMK, KeyId: 'cmk-1', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: keyPolicy([role('loader')]) });
    kms.on(ListGrantsCommand).resolves({ Grants: [] });
    redshift.on(DescribeClustersCommand).resolves({
      Clusters: [
        {
          ClusterIdentifier: 'dw',
          ClusterStatus: 'available',
          Encrypted: true,
          KmsKeyId: CMK,
          Tags: [],
          IamRoles: [
            { IamRoleArn: role('loader'), ApplyStatus: 'in-sync' },
            { IamRoleArn: role('old'), ApplyStatus: 'removing' },
          ],
          DefaultIamRoleArn: role('default-copy'),
        },
      ],
    });
    const out = (
      await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'dw' }, R), testDeps(offlineClients()))
    ).outcomes.find((o) => o.ref.type === 'redshift-cluster');
    expect(out).toMatchObject({ reason: 'ROLE_CANNOT_USE_CMK', action: 'REPORT' });
    expect(out?.detail).toContain(role('default-copy'));
    expect(out?.detail).not.toContain(role('old'));
    expect(kms.commandCalls(GetKeyPolicyCommand)[0]?.args[0].input).toEqual({ KeyId: CMK, PolicyName: 'default' });
  });
});
