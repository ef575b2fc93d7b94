import {
  CreateSecurityConfigurationCommand,
  DescribeClusterCommand,
  DescribeSecurityConfigurationCommand,
  EMRClient,
  ListClustersCommand,
  ListSecurityConfigurationsCommand,
} from '@aws-sdk/client-emr';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KeyResolver } from '../../../../shared/kms/key-resolver';
import { processEvent } from '../../../../shared/pipeline/process';
import type { RuleContext } from '../../../../shared/rules/contract';
import { emrClusterRule } from '../../../../shared/rules/emr-cluster';
import { emrSecurityConfigurationRule } from '../../../../shared/rules/emr-security-configuration';
import {
  clusterStateChangeEvent,
  emrConfigurationEvent,
  securityConfigurationDoc,
} from '../../../../testbed/estates/estate-emr';
import { offlineClients, testDeps, testPolicy } from '../../../support/harness';

// SDK mocks for faults (and ListClusters' ClusterStates across pages). Listing security configurations across
// pages runs on the emulator: test/integration/emr-security-configuration.test.ts.
const emr = mockClient(EMRClient);
const kms = mockClient(KMSClient);
afterEach(() => {
  emr.reset();
  kms.reset();
});
afterAll(() => {
  emr.restore();
  kms.restore();
});

const R = 'us-east-1';
const CMK_ARN = `arn:aws:kms:${R}:123456789012:key/11112222-aaaa`;
const clients = offlineClients();
const policy = testPolicy();
const ctx: RuleContext = { clients, keys: new KeyResolver(clients, policy), policy, scope: { region: R } };
const collect = async (it: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const awsError = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
// How EMR says a configuration does not exist (InvalidRequestException alone is any bad input:
// test/unit/aws/errors.test.ts).
const noSuchConfiguration = (name: string) =>
  Object.assign(new Error(`Security configuration with name '${name}' does not exist.`), {
    name: 'InvalidRequestException',
    ErrorCode: 'ResourceNotFound',
    $metadata: { httpStatusCode: 400 },
  });

describe('EMR list (backfill) with pagination', () => {
  it('lists only active clusters, across pages', async () => {
    emr
      .on(ListClustersCommand)
      .resolvesOnce({ Clusters: [{ Id: 'j-1' }], Marker: 'next' })
      .resolvesOnce({ Clusters: [{ Id: 'j-2' }] });
    expect(await collect(emrClusterRule.list(ctx))).toEqual(['j-1', 'j-2']);
    expect(emr.commandCalls(ListClustersCommand)[0]?.args[0].input.ClusterStates).toEqual([
      'STARTING',
      'BOOTSTRAPPING',
      'RUNNING',
      'WAITING',
    ]);
  });

  it('AccessDenied on listing is a typed error naming the permission', async () => {
    emr.on(ListSecurityConfigurationsCommand).rejects(awsError('AccessDeniedException', 400));
    await expect(collect(emrSecurityConfigurationRule.list(ctx))).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      details: { missingPermission: 'elasticmapreduce:ListSecurityConfigurations' },
    });
  });
});

describe('EMR faults through the pipeline', () => {
  it('AccessDenied reading a configuration is an ERROR outcome and alert naming the missing permission', async () => {
    emr.on(DescribeSecurityConfigurationCommand).rejects(awsError('AccessDeniedException', 400));
    const deps = testDeps(clients);
    const r = await processEvent(emrConfigurationEvent('cfg', R), deps);
    expect(r.outcomes[0]).toMatchObject({
      status: 'ERROR',
      error: {
        code: 'ACCESS_DENIED',
        missingPermission: 'elasticmapreduce:DescribeSecurityConfiguration',
        retryable: false,
      },
    });
    expect(deps.alerts.alerts[0]?.reason).toBe('ACCESS_DENIED');
  });

  it('throttling on DescribeCluster is retryable', async () => {
    emr.on(DescribeClusterCommand).rejects(awsError('ThrottlingException', 400));
    const r = await processEvent(clusterStateChangeEvent('j-1', R), testDeps(clients));
    expect(r.outcomes[0]).toMatchObject({ status: 'ERROR', error: { code: 'THROTTLED', retryable: true } });
  });

  it('a concurrent delivery that created the copy first is the same copy, not a failure', async () => {
    kms
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { Arn: CMK_ARN, KeyId: '11112222-aaaa', KeyManager: 'CUSTOMER' } });
    const original = JSON.stringify(securityConfigurationDoc(CMK_ARN, { s3: { mode: 'SSE-S3' } }));
    const copy = JSON.stringify(securityConfigurationDoc(CMK_ARN));
    emr
      .on(DescribeSecurityConfigurationCommand, { Name: 'cfg' })
      .resolves({ Name: 'cfg', SecurityConfiguration: original });
    // The copy is absent when first looked for, present after the (lost) race.
    emr
      .on(DescribeSecurityConfigurationCommand, { Name: 'cfg-cmk-11112222' })
      .rejectsOnce(noSuchConfiguration('cfg-cmk-11112222'))
      .resolves({ Name: 'cfg-cmk-11112222', SecurityConfiguration: copy });
    emr.on(CreateSecurityConfigurationCommand).rejects(
      Object.assign(new Error("SecurityConfiguration with name 'cfg-cmk-11112222' already exists."), {
        name: 'InvalidRequestException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const r = await processEvent(emrConfigurationEvent('cfg', R), testDeps(clients));
    expect(r.outcomes[0]).toMatchObject({ reason: 'S3_NOT_KMS', action: 'REMEDIATE', result: 'UNCHANGED' });
  });

  it('EMR refusing the copy is an AWS_ERROR that says so, not "resource gone"', async () => {
    kms
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { Arn: CMK_ARN, KeyId: '11112222-aaaa', KeyManager: 'CUSTOMER' } });
    emr.on(DescribeSecurityConfigurationCommand, { Name: 'cfg' }).resolves({
      Name: 'cfg',
      SecurityConfiguration: JSON.stringify(securityConfigurationDoc(CMK_ARN, { s3: { mode: 'SSE-S3' } })),
    });
    emr
      .on(DescribeSecurityConfigurationCommand, { Name: 'cfg-cmk-11112222' })
      .rejects(noSuchConfiguration('cfg-cmk-11112222'));
    emr.on(CreateSecurityConfigurationCommand).rejects(
      Object.assign(new Error('Invalid security configuration JSON'), {
        name: 'InvalidRequestException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const r = await processEvent(emrConfigurationEvent('cfg', R), testDeps(clients));
    expect(r.outcomes[0]).toMatchObject({
      status: 'ERROR',
      action: 'REMEDIATE',
      error: { code: 'AWS_ERROR', message: expect.stringContaining('EMR refused the compliant copy cfg-cmk-11112222') },
    });
  });
});
