import { CreateGrantCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { CreateClusterCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { createKey } from '../../testbed/estates/estate';
import { redshiftEvent } from '../../testbed/estates/estate-kms-tls';
import { processEvent } from '../../shared/pipeline/process';
import { ACCOUNT, onlyRules, testDeps, testPolicy, useEmulator } from '../support/harness';

onlyRules('redshift-cluster');

/**
 * COPY/UNLOAD run with the cluster's IAM roles (Redshift API reference, Cluster.IamRoles and DefaultIamRoleArn):
 * reading or writing S3 data under the CMK needs kms:Decrypt and kms:GenerateDataKey on it, from the key policy
 * or a grant. The same judgement emr-cluster makes for the EC2 instance role; reported, never rewritten.
 */
const R = 'us-east-1';
const emu = useEmulator();
const LOADER = `arn:aws:iam::${ACCOUNT}:role/redshift-loader`;
const UNLOADER = `arn:aws:iam::${ACCOUNT}:role/redshift-unloader`;
const policyWith = (roles: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Admin',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      ...(roles.length
        ? [
            {
              Sid: 'Use',
              Effect: 'Allow',
              Principal: { AWS: roles },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Resource: '*',
            },
          ]
        : []),
    ],
  });

let cmk: { arn: string; keyId: string };
beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
  await emu
    .clients()
    .get(RedshiftClient, { region: R })
    .send(
      new CreateClusterCommand({
        ClusterIdentifier: 'dw',
        NodeType: 'ra3.xlplus',
        ClusterType: 'single-node',
        MasterUsername: 'admin',
        MasterUserPassword: 'NotASecret1',
        Encrypted: true,
        KmsKeyId: cmk.arn,
        IamRoles: [LOADER, UNLOADER],
      }),
    );
});

describe('redshift-cluster: the COPY/UNLOAD roles can use the CMK (emulator)', () => {
  it('roles missing from the key policy: reported with each role and the statement to add; the key policy untouched', async () => {
    const kms = emu.clients().get(KMSClient, { region: R });
    await kms.send(new PutKeyPolicyCommand({ KeyId: cmk.keyId, PolicyName: 'default', Policy: policyWith([]) }));
    const deps = testDeps(emu.clients());
    const out = (await processEvent(redshiftEvent('CreateCluster', { clusterIdentifier: 'dw' }, R), deps)).outcomes[0];
    expect(out).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'ROLE_CANNOT_USE_CMK',
      action: 'REPORT',
      result: 'NOT_ATTEMPTED',
      observedKey: cmk.arn,
    });
    expect(out?.detail).toContain(LOADER);
    expect(out?.detail).toContain(UNLOADER);
    expect(out?.detail).toContain(
      JSON.stringify({
        Sid: 'RedshiftCopyUnload',
        Effect: 'Allow',
        Principal: { AWS: [LOADER, UNLOADER] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
      }),
    );
    expect(out?.actionDetail).toMatch(/never rewritten/);
    expect(deps.alerts.alerts[0]).toMatchObject({ reason: 'ROLE_CANNOT_USE_CMK', severity: 'HIGH' });

    // In quarantine mode too: only a key policy entry is missing, nothing to fence off.
    const q = (
      await processEvent(
        redshiftEvent('ModifyCluster', { clusterIdentifier: 'dw' }, R),
        testDeps(emu.clients(), { policy: testPolicy({ mode: 'quarantine' }) }),
      )
    ).outcomes[0];
    expect(q).toMatchObject({
      reason: 'ROLE_CANNOT_USE_CMK',
      action: 'REPORT',
      actionDetail: expect.stringMatching(/key policies are never rewritten/),
    });
  });

  it('one role in the key policy, the other through a grant: compliant', async () => {
    const kms = emu.clients().get(KMSClient, { region: R });
    await kms.send(new PutKeyPolicyCommand({ KeyId: cmk.keyId, PolicyName: 'default', Policy: policyWith([LOADER]) }));
    const half = (
      await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'dw' }, R), testDeps(emu.clients()))
    ).outcomes[0];
    expect(half).toMatchObject({ reason: 'ROLE_CANNOT_USE_CMK' });
    expect(half?.detail).toContain(UNLOADER);
    expect(half?.detail).not.toContain(`${LOADER} (`);
    await kms.send(
      new CreateGrantCommand({
        KeyId: cmk.keyId,
        GranteePrincipal: UNLOADER,
        Operations: ['Decrypt', 'GenerateDataKey'],
      }),
    );
    expect(
      (await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'dw' }, R), testDeps(emu.clients())))
        .outcomes[0],
    ).toMatchObject({ status: 'COMPLIANT' });
  });
});
