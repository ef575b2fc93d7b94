import {
  DescribeClusterCommand,
  DescribeSecurityConfigurationCommand,
  DeleteSecurityConfigurationCommand,
  EMRClient,
} from '@aws-sdk/client-emr';
import { CreateGrantCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { processEvent } from '../../shared/pipeline/process';
import { createKey } from '../../testbed/estates/estate';
import {
  clusterStateChangeEvent,
  createInstanceProfile,
  createSecurityConfiguration,
  putKeyUsers,
  runCluster,
  runJobFlowEvent,
  securityConfigurationDoc,
} from '../../testbed/estates/estate-emr';
import { ACCOUNT, testDeps, testPolicy, testWaiver, useEmulator } from '../support/harness';

const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
let roleArn: string;
const copyName = (name: string) => `${name}-cmk-${cmk.keyId.replace(/-/g, '').slice(0, 8)}`;
const emr = () => emu.clients().get(EMRClient, { region: R });
const cluster = async (id: string) => (await emr().send(new DescribeClusterCommand({ ClusterId: id }))).Cluster;
const tagsOf = async (id: string) => Object.fromEntries(((await cluster(id))?.Tags ?? []).map((t) => [t.Key, t.Value]));
const configExists = (name: string) =>
  emr()
    .send(new DescribeSecurityConfigurationCommand({ Name: name }))
    .then(
      () => true,
      () => false,
    );

beforeEach(async () => {
  await emu.current.reset();
  const clients = emu.clients();
  cmk = await createKey(clients, R, 'alias/data-platform');
  // Profile and role named differently, as real accounts may: the rule must resolve one to the other.
  roleArn = await createInstanceProfile(clients, 'emr-ec2-profile', 'emr-ec2-role');
  await putKeyUsers(clients, R, cmk.keyId, ACCOUNT, [roleArn]);
  await createSecurityConfiguration(clients, R, 'good', securityConfigurationDoc(cmk.arn));
  await createSecurityConfiguration(
    clients,
    R,
    'sse-s3',
    securityConfigurationDoc(cmk.arn, { s3: { mode: 'SSE-S3' } }),
  );
});

describe('emr-cluster rule on the emulator', () => {
  it('a cluster on a compliant configuration whose role is a key user is compliant (profile resolved to its role via IAM)', async () => {
    const id = await runCluster(emu.clients(), R, {
      name: 'ok',
      securityConfiguration: 'good',
      instanceProfile: 'emr-ec2-profile',
    });
    const deps = testDeps(emu.clients());
    const r = await processEvent(runJobFlowEvent(id, R), deps);
    expect(r.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE', observedKey: cmk.arn });
    expect(deps.alerts.alerts).toHaveLength(0);
  });

  it('gate off: tags the cluster, names the compliant configuration to relaunch with, keeps it running; a repeat is quiet', async () => {
    const clients = emu.clients();
    const id = await runCluster(clients, R, {
      name: 'etl',
      securityConfiguration: 'sse-s3',
      instanceProfile: 'emr-ec2-profile',
      tags: { owner: 'team-a' },
    });
    const deps = testDeps(clients);
    const r = await processEvent(clusterStateChangeEvent(id, R), deps);
    expect(r.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'SECURITY_CONFIGURATION_NON_COMPLIANT',
      action: 'QUARANTINE',
      result: 'VERIFIED',
    });
    expect(r.outcomes[0]?.actionDetail).toContain('Not terminated (the policy gate terminateClusters is off)');
    expect(r.outcomes[0]?.actionDetail).toContain(`relaunch it with security configuration ${copyName('sse-s3')}`);
    expect(await configExists(copyName('sse-s3'))).toBe(true);
    expect(await tagsOf(id)).toEqual({
      owner: 'team-a',
      'cmk-sentinel:quarantine': 'SECURITY_CONFIGURATION_NON_COMPLIANT',
    });
    expect((await cluster(id))?.Status?.State).toBe('WAITING');
    const again = await processEvent(runJobFlowEvent(id, R), deps);
    expect(again.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'UNCHANGED' });
    expect(deps.alerts.alerts).toHaveLength(1);
    expect(deps.alerts.alerts[0]).toMatchObject({
      resource: { type: 'emr-cluster', id, arn: `arn:aws:elasticmapreduce:${R}:${ACCOUNT}:cluster/${id}` },
      trigger: { eventName: 'EMR Cluster State Change (STARTING)', source: 'aws.emr' },
    });
  });

  it('gate on and termination protection off: terminates (after tagging); the next event finds it ended', async () => {
    const clients = emu.clients();
    const id = await runCluster(clients, R, {
      name: 'doomed',
      securityConfiguration: 'sse-s3',
      instanceProfile: 'emr-ec2-profile',
    });
    const deps = testDeps(clients, { policy: testPolicy({ gates: { terminateClusters: true } }) });
    const r = await processEvent(runJobFlowEvent(id, R), deps);
    expect(r.outcomes[0]).toMatchObject({
      reason: 'SECURITY_CONFIGURATION_NON_COMPLIANT',
      action: 'REMEDIATE',
      result: 'PENDING',
    });
    expect(r.outcomes[0]?.actionDetail).toContain('Terminated');
    expect((await cluster(id))?.Status?.State).toBe('TERMINATED');
    expect((await tagsOf(id))['cmk-sentinel:quarantine']).toBe('SECURITY_CONFIGURATION_NON_COMPLIANT');
    const later = await processEvent(clusterStateChangeEvent(id, R), deps);
    expect(later.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'CLUSTER_TERMINATED', action: 'NONE' });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('gate on but termination protection on: quarantines instead and says why', async () => {
    const clients = emu.clients();
    const id = await runCluster(clients, R, {
      name: 'protected',
      securityConfiguration: 'sse-s3',
      instanceProfile: 'emr-ec2-profile',
      terminationProtected: true,
    });
    const deps = testDeps(clients, { policy: testPolicy({ gates: { terminateClusters: true } }) });
    const r = await processEvent(runJobFlowEvent(id, R), deps);
    expect(r.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    expect(r.outcomes[0]?.actionDetail).toContain('termination protection is on');
    expect((await cluster(id))?.Status?.State).toBe('WAITING');
  });

  it('a cluster with no security configuration: quarantined with what to relaunch with', async () => {
    const id = await runCluster(emu.clients(), R, { name: 'bare', instanceProfile: 'emr-ec2-profile' });
    const r = await processEvent(runJobFlowEvent(id, R), testDeps(emu.clients()));
    expect(r.outcomes[0]).toMatchObject({
      reason: 'NO_SECURITY_CONFIGURATION',
      action: 'QUARANTINE',
      result: 'VERIFIED',
    });
    expect(r.outcomes[0]?.actionDetail).toContain(`local disks (EBS included) with AwsKms using ${cmk.arn}`);
  });

  it('a configuration deleted after launch is reported as not found', async () => {
    const clients = emu.clients();
    await createSecurityConfiguration(clients, R, 'short-lived', securityConfigurationDoc(cmk.arn));
    const id = await runCluster(clients, R, {
      name: 'orphan',
      securityConfiguration: 'short-lived',
      instanceProfile: 'emr-ec2-profile',
    });
    await emr().send(new DeleteSecurityConfigurationCommand({ Name: 'short-lived' }));
    const r = await processEvent(runJobFlowEvent(id, R), testDeps(clients, { policy: testPolicy({ mode: 'report' }) }));
    expect(r.outcomes[0]).toMatchObject({ reason: 'SECURITY_CONFIGURATION_NOT_FOUND', action: 'REPORT' });
  });

  it('the instance role missing from the key policy: KEY_POLICY_MISSING_ROLE, reported only; key policy and cluster untouched', async () => {
    const clients = emu.clients();
    await putKeyUsers(clients, R, cmk.keyId, ACCOUNT, []);
    const policyBefore = (
      await clients
        .get(KMSClient, { region: R })
        .send(new GetKeyPolicyCommand({ KeyId: cmk.keyId, PolicyName: 'default' }))
    ).Policy;
    const id = await runCluster(clients, R, {
      name: 'no-key',
      securityConfiguration: 'good',
      instanceProfile: 'emr-ec2-profile',
    });
    for (const policy of [testPolicy(), testPolicy({ mode: 'quarantine', gates: { terminateClusters: true } })]) {
      const deps = testDeps(clients, { policy });
      const r = await processEvent(runJobFlowEvent(id, R), deps);
      expect(r.outcomes[0]).toMatchObject({
        status: 'NON_COMPLIANT',
        reason: 'KEY_POLICY_MISSING_ROLE',
        action: 'REPORT',
        result: 'NOT_ATTEMPTED',
      });
      expect(r.outcomes[0]?.detail).toContain(roleArn);
      expect(deps.alerts.alerts).toHaveLength(1);
    }
    expect(await tagsOf(id)).toEqual({});
    expect((await cluster(id))?.Status?.State).toBe('WAITING');
    expect(
      (
        await clients
          .get(KMSClient, { region: R })
          .send(new GetKeyPolicyCommand({ KeyId: cmk.keyId, PolicyName: 'default' }))
      ).Policy,
    ).toBe(policyBefore);
  });

  it('a grant to the instance role is enough', async () => {
    const clients = emu.clients();
    await putKeyUsers(clients, R, cmk.keyId, ACCOUNT, []);
    await clients.get(KMSClient, { region: R }).send(
      new CreateGrantCommand({
        KeyId: cmk.keyId,
        GranteePrincipal: roleArn,
        Operations: ['Decrypt', 'GenerateDataKey', 'Encrypt'],
      }),
    );
    const id = await runCluster(clients, R, {
      name: 'granted',
      securityConfiguration: 'good',
      instanceProfile: 'emr-ec2-profile',
    });
    const r = await processEvent(runJobFlowEvent(id, R), testDeps(clients));
    expect(r.outcomes[0]).toMatchObject({ status: 'COMPLIANT' });
  });

  it('an instance profile IAM does not know is taken to hold the role of the same name, and says so', async () => {
    const clients = emu.clients();
    const id = await runCluster(clients, R, {
      name: 'default-role',
      securityConfiguration: 'good',
      instanceProfile: 'EMR_EC2_DefaultRole',
    });
    const r = await processEvent(runJobFlowEvent(id, R), testDeps(clients, { policy: testPolicy({ mode: 'report' }) }));
    expect(r.outcomes[0]).toMatchObject({ reason: 'KEY_POLICY_MISSING_ROLE' });
    expect(r.outcomes[0]?.detail).toContain(
      `arn:aws:iam::${ACCOUNT}:role/EMR_EC2_DefaultRole (assumed to share the instance profile's name)`,
    );
    await putKeyUsers(clients, R, cmk.keyId, ACCOUNT, [`arn:aws:iam::${ACCOUNT}:role/EMR_EC2_DefaultRole`]);
    const after = await processEvent(runJobFlowEvent(id, R), testDeps(clients));
    expect(after.outcomes[0]).toMatchObject({ status: 'COMPLIANT' });
  });

  it('quarantine mode tags; report mode touches nothing; an exempt cluster is only reported', async () => {
    const clients = emu.clients();
    const q = await runCluster(clients, R, {
      name: 'q',
      securityConfiguration: 'sse-s3',
      instanceProfile: 'emr-ec2-profile',
    });
    const rep = await runCluster(clients, R, {
      name: 'r',
      securityConfiguration: 'sse-s3',
      instanceProfile: 'emr-ec2-profile',
    });
    const ex = await runCluster(clients, R, {
      name: 'x',
      securityConfiguration: 'sse-s3',
      instanceProfile: 'emr-ec2-profile',
      tags: { 'cmk-sentinel:exempt': 'TEST-EXEMPT' },
    });
    const quarantine = testPolicy({
      types: { 'emr-cluster': { mode: 'quarantine' }, 'emr-security-configuration': { mode: 'report' } },
    });
    const a = await processEvent(runJobFlowEvent(q, R), testDeps(clients, { policy: quarantine }));
    expect(a.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    // The configuration rule is in report mode: no copy is made, and the alert says none exists yet.
    expect(a.outcomes[0]?.actionDetail).toContain('no compliant copy of sse-s3 exists yet');
    expect(await configExists(copyName('sse-s3'))).toBe(false);
    const b = await processEvent(
      runJobFlowEvent(rep, R),
      testDeps(clients, { policy: testPolicy({ mode: 'report' }) }),
    );
    expect(b.outcomes[0]).toMatchObject({ action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect(await tagsOf(rep)).toEqual({});
    const c = await processEvent(
      runJobFlowEvent(ex, R),
      testDeps(clients, {
        policy: testPolicy({
          gates: { terminateClusters: true },
          waivers: [testWaiver([`arn:aws:elasticmapreduce:${R}:*:cluster/${ex}`])],
        }),
      }),
    );
    expect(c.outcomes[0]).toMatchObject({ action: 'SKIP_EXEMPT' });
    expect((await cluster(ex))?.Status?.State).toBe('WAITING');
  });

  it('a cluster id that does not exist is NOT_APPLICABLE, not an error', async () => {
    const deps = testDeps(emu.clients());
    const r = await processEvent(clusterStateChangeEvent('j-DOESNOTEXIST', R), deps);
    expect(r.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE', action: 'NONE' });
    expect(deps.alerts.alerts).toHaveLength(0);
  });
});
