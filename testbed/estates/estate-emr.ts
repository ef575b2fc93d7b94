import { CreateSecurityConfigurationCommand, EMRClient, RunJobFlowCommand } from '@aws-sdk/client-emr';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import type { ClientFactory } from '../../shared/aws/clients';
import { cloudTrailEvent } from './estate';

/** EMR estate helpers for tests and the demo. */

export interface SecurityConfigurationSpec {
  s3?: { mode: string; key?: string } | null;
  localDisk?: { provider: 'AwsKms' | 'Custom'; key?: string; ebs?: boolean } | null;
  atRest?: boolean;
  inTransit?: boolean;
  /** Name a PEM TLS certificate provider (needed to turn in-transit encryption on). */
  tls?: boolean;
}

/** A security configuration document; defaults to compliant with `key`. */
export const securityConfigurationDoc = (
  key: string,
  spec: SecurityConfigurationSpec = {},
): Record<string, unknown> => {
  const s3 = spec.s3 === undefined ? { mode: 'SSE-KMS', key } : spec.s3;
  const disk = spec.localDisk === undefined ? { provider: 'AwsKms' as const, key, ebs: true } : spec.localDisk;
  return {
    EncryptionConfiguration: {
      EnableAtRestEncryption: spec.atRest ?? true,
      EnableInTransitEncryption: spec.inTransit ?? true,
      ...((spec.tls ?? true)
        ? {
            InTransitEncryptionConfiguration: {
              TLSCertificateConfiguration: { CertificateProviderType: 'PEM', S3Object: 's3://emr-certs/certs.zip' },
            },
          }
        : {}),
      AtRestEncryptionConfiguration: {
        ...(s3
          ? { S3EncryptionConfiguration: { EncryptionMode: s3.mode, ...(s3.key ? { AwsKmsKey: s3.key } : {}) } }
          : {}),
        ...(disk
          ? {
              LocalDiskEncryptionConfiguration:
                disk.provider === 'AwsKms'
                  ? {
                      EncryptionKeyProviderType: 'AwsKms',
                      ...(disk.key ? { AwsKmsKey: disk.key } : {}),
                      EnableEbsEncryption: disk.ebs ?? true,
                    }
                  : {
                      EncryptionKeyProviderType: 'Custom',
                      S3Object: 's3://emr-keys/provider.jar',
                      EncryptionKeyProviderClass: 'com.example.KeyProvider',
                    },
            }
          : {}),
      },
    },
  };
};

export const createSecurityConfiguration = async (
  clients: ClientFactory,
  region: string,
  name: string,
  doc: Record<string, unknown> | string,
): Promise<void> => {
  await clients.get(EMRClient, { region }).send(
    new CreateSecurityConfigurationCommand({
      Name: name,
      SecurityConfiguration: typeof doc === 'string' ? doc : JSON.stringify(doc),
    }),
  );
};

/** A long-running cluster (kept alive with no steps, as the emulator would otherwise end it at once). */
export const runCluster = async (
  clients: ClientFactory,
  region: string,
  opts: {
    name: string;
    securityConfiguration?: string;
    instanceProfile?: string;
    terminationProtected?: boolean;
    tags?: Record<string, string>;
  },
): Promise<string> => {
  const out = await clients.get(EMRClient, { region }).send(
    new RunJobFlowCommand({
      Name: opts.name,
      ReleaseLabel: 'emr-7.5.0',
      Instances: {
        MasterInstanceType: 'm5.xlarge',
        SlaveInstanceType: 'm5.xlarge',
        InstanceCount: 3,
        KeepJobFlowAliveWhenNoSteps: true,
        TerminationProtected: opts.terminationProtected ?? false,
      },
      JobFlowRole: opts.instanceProfile ?? 'EMR_EC2_DefaultRole',
      ServiceRole: 'EMR_DefaultRole',
      ...(opts.securityConfiguration ? { SecurityConfiguration: opts.securityConfiguration } : {}),
      Tags: Object.entries(opts.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  return out.JobFlowId as string;
};

/** An instance profile holding a role (names may differ, as in real accounts); returns the role ARN. */
export const createInstanceProfile = async (clients: ClientFactory, profile: string, role: string): Promise<string> => {
  const iam = clients.get(IAMClient, { region: 'us-east-1' });
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  const arn = (await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: trust }))).Role
    ?.Arn as string;
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profile }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profile, RoleName: role }));
  return arn;
};

/** Give the CMK a key policy with the account root and the given roles as key users. */
export const putKeyUsers = async (
  clients: ClientFactory,
  region: string,
  keyId: string,
  account: string,
  roleArns: string[],
): Promise<void> => {
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'EnableIAMUserPermissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ];
  if (roleArns.length) {
    statements.push({
      Sid: 'AllowUseOfTheKey',
      Effect: 'Allow',
      Principal: { AWS: roleArns },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
    });
  }
  await clients.get(KMSClient, { region }).send(
    new PutKeyPolicyCommand({
      KeyId: keyId,
      PolicyName: 'default',
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
};

/** CloudTrail CreateSecurityConfiguration as EventBridge delivers it (camelCase request fields). */
export const emrConfigurationEvent = (name: string, region: string, extra: { id?: string; errorCode?: string } = {}) =>
  cloudTrailEvent({
    source: 'aws.emr',
    eventSource: 'elasticmapreduce.amazonaws.com',
    eventName: 'CreateSecurityConfiguration',
    region,
    requestParameters: { name, securityConfiguration: '(omitted)' },
    responseElements: { name, creationDateTime: 'Nov 27, 2026 10:00:00 AM' },
    ...extra,
  });

/** CloudTrail RunJobFlow as in the published record: mixed key casing, the id in responseElements.jobFlowId. */
export const runJobFlowEvent = (clusterId: string, region: string, extra: { id?: string } = {}) =>
  cloudTrailEvent({
    source: 'aws.emr',
    eventSource: 'elasticmapreduce.amazonaws.com',
    eventName: 'RunJobFlow',
    region,
    requestParameters: {
      name: 'etl',
      ReleaseLabel: 'emr-7.5.0',
      instances: { instanceCount: 3, keepJobFlowAliveWhenNoSteps: true, terminationProtected: false },
    },
    responseElements: { jobFlowId: clusterId },
    ...extra,
  });

/** EMR's own "EMR Cluster State Change" event (not CloudTrail). */
export const clusterStateChangeEvent = (
  clusterId: string,
  region: string,
  state = 'STARTING',
  account = '123456789012',
) => ({
  version: '0',
  id: `state-${clusterId}-${state}`,
  'detail-type': 'EMR Cluster State Change',
  source: 'aws.emr',
  account,
  time: '2026-11-27T10:00:00Z',
  region,
  resources: [],
  detail: {
    severity: 'INFO',
    stateChangeReason: '{"code":""}',
    name: 'etl',
    clusterId,
    state,
    message: `Amazon EMR cluster ${clusterId} is ${state}`,
  },
});
