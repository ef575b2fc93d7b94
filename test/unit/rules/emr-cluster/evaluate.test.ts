import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalise } from '../../../../shared/events/normalise';
import type { KeyInfo } from '../../../../shared/kms/key-resolver';
import { evaluateEmrCluster, type EmrClusterState } from '../../../../shared/rules/emr-cluster/evaluate';
import { roleKeyAccess } from '../../../../shared/kms/key-access';
import { parseSecurityConfiguration } from '../../../../shared/emr/parse';
import { RULES } from '../../../../shared/rules/registry';
import { testPolicy } from '../../../support/harness';

const R = 'us-east-1';
const ACCT = '123456789012';
const CMK: KeyInfo = {
  arn: `arn:aws:kms:${R}:${ACCT}:key/cmk-1`,
  keyId: 'cmk-1',
  region: R,
  account: ACCT,
  managedBy: 'CUSTOMER',
};
const ctx = { region: R, cmk: CMK, policy: testPolicy() };
const ROLE = `arn:aws:iam::${ACCT}:role/EMR_EC2_DefaultRole`;

const configDoc = (s3Mode = 'SSE-KMS') =>
  JSON.stringify({
    EncryptionConfiguration: {
      EnableInTransitEncryption: true,
      EnableAtRestEncryption: true,
      InTransitEncryptionConfiguration: {
        TLSCertificateConfiguration: { CertificateProviderType: 'PEM', S3Object: 's3://c/x.zip' },
      },
      AtRestEncryptionConfiguration: {
        S3EncryptionConfiguration: { EncryptionMode: s3Mode, AwsKmsKey: 'alias/data-platform' },
        LocalDiskEncryptionConfiguration: {
          EncryptionKeyProviderType: 'AwsKms',
          AwsKmsKey: 'alias/data-platform',
          EnableEbsEncryption: true,
        },
      },
    },
  });
const keyPolicy = (
  principal: unknown,
  actions: unknown = ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:Encrypt'],
  effect = 'Allow',
) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
      { Sid: 'users', Effect: effect, Principal: principal, Action: actions, Resource: '*' },
    ],
  });

const cluster = (over: Partial<EmrClusterState> = {}, mode = 'SSE-KMS'): EmrClusterState => ({
  id: 'j-1',
  name: 'etl',
  region: R,
  state: 'STARTING',
  terminationProtected: false,
  tags: {},
  securityConfigurationName: 'cfg',
  securityConfiguration: {
    name: 'cfg',
    region: R,
    parsed: parseSecurityConfiguration(configDoc(mode)),
    keys: { 'alias/data-platform': { ref: 'alias/data-platform', info: CMK } },
  },
  instanceProfile: 'EMR_EC2_DefaultRole',
  instanceRole: { arn: ROLE, source: 'IAM' },
  keyPolicy: keyPolicy({ AWS: [ROLE] }),
  grants: [],
  ...over,
});

describe('evaluateEmrCluster', () => {
  it.each<[string, EmrClusterState, string, string | undefined]>([
    ['compliant configuration, role in the key policy', cluster(), 'COMPLIANT', undefined],
    [
      'compliant configuration, role holds a grant',
      cluster({
        keyPolicy: keyPolicy({ AWS: 'arn:aws:iam::1:role/other' }),
        grants: [{ grantee: ROLE, operations: ['Decrypt', 'GenerateDataKey', 'Encrypt'] }],
      }),
      'COMPLIANT',
      undefined,
    ],
    [
      'no security configuration',
      cluster({ securityConfigurationName: undefined, securityConfiguration: undefined }),
      'NON_COMPLIANT',
      'NO_SECURITY_CONFIGURATION',
    ],
    [
      'a configuration since deleted',
      cluster({ securityConfiguration: 'GONE' }),
      'NON_COMPLIANT',
      'SECURITY_CONFIGURATION_NOT_FOUND',
    ],
    ['a non-compliant configuration', cluster({}, 'SSE-S3'), 'NON_COMPLIANT', 'SECURITY_CONFIGURATION_NON_COMPLIANT'],
    [
      'the role missing from the key policy',
      cluster({ keyPolicy: keyPolicy({ AWS: 'arn:aws:iam::1:role/other' }) }),
      'NON_COMPLIANT',
      'KEY_POLICY_MISSING_ROLE',
    ],
    ['terminated', cluster({ state: 'TERMINATED' }, 'SSE-S3'), 'NOT_APPLICABLE', 'CLUSTER_TERMINATED'],
    [
      'terminating',
      cluster({ state: 'TERMINATING', securityConfigurationName: undefined }),
      'NOT_APPLICABLE',
      'CLUSTER_TERMINATED',
    ],
    ['ended with errors', cluster({ state: 'TERMINATED_WITH_ERRORS' }), 'NOT_APPLICABLE', 'CLUSTER_TERMINATED'],
  ])('%s', (_label, state, status, reason) => {
    const f = evaluateEmrCluster(state, ctx);
    expect(f.status).toBe(status);
    expect(f.reason).toBe(reason);
    expect(f.expectedKey).toBe(CMK.arn);
  });

  it('names the inner reason and, when both fail, the key-policy problem too', () => {
    const f = evaluateEmrCluster(cluster({ keyPolicy: keyPolicy({ AWS: 'arn:aws:iam::1:role/x' }) }, 'SSE-S3'), ctx);
    expect(f.reason).toBe('SECURITY_CONFIGURATION_NON_COMPLIANT');
    expect(f.detail).toContain('(S3_NOT_KMS)');
    expect(f.detail).toContain(`its EC2 instance role ${ROLE} cannot use the CMK`);
  });

  it('says when the role was assumed from the instance profile name', () => {
    const f = evaluateEmrCluster(
      cluster({ instanceRole: { arn: ROLE, source: 'SAME_NAME' }, keyPolicy: keyPolicy({ AWS: 'x' }) }),
      ctx,
    );
    expect(f.detail).toContain('assumed to share the instance profile');
    expect(f.detail).toContain('never rewritten automatically');
  });
});

describe('roleKeyAccess', () => {
  it.each<[string, string | undefined, { grantee?: string; operations: string[] }[], boolean]>([
    ['role named as a single string', keyPolicy({ AWS: ROLE }), [], true],
    ['role named with kms:*', keyPolicy({ AWS: [ROLE] }, 'kms:*'), [], true],
    ['role named with * actions', keyPolicy({ AWS: [ROLE] }, '*'), [], true],
    ['role named but only Encrypt', keyPolicy({ AWS: [ROLE] }, ['kms:Encrypt']), [], false],
    [
      'only the account root (delegation to IAM is not read)',
      keyPolicy({ AWS: `arn:aws:iam::${ACCT}:root` }),
      [],
      false,
    ],
    ['Principal "*"', keyPolicy('*'), [], false],
    [
      'a Deny for the role wins over a grant',
      keyPolicy({ AWS: ROLE }, ['kms:Decrypt'], 'Deny'),
      [{ grantee: ROLE, operations: ['Decrypt', 'GenerateDataKey'] }],
      false,
    ],
    ['a grant with both operations', '{}', [{ grantee: ROLE, operations: ['Decrypt', 'GenerateDataKey'] }], true],
    [
      'a grant without GenerateDataKey',
      '{}',
      [{ grantee: ROLE, operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext'] }],
      false,
    ],
    [
      'Decrypt by policy, GenerateDataKey by grant',
      keyPolicy({ AWS: ROLE }, 'kms:Decrypt'),
      [{ grantee: ROLE, operations: ['GenerateDataKey'] }],
      true,
    ],
    ['a key policy that is not JSON', '{nope', [], false],
    ['no key policy read', undefined, [], false],
  ])('%s', (_label, policy, grants, allowed) => {
    const access = roleKeyAccess(ROLE, policy, grants);
    expect(access.allowed).toBe(allowed);
    if (!access.allowed) expect(access.why.length).toBeGreaterThan(10);
  });
});

describe('EMR events', () => {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'aws-docs', 'emr-RunJobFlow.json'), 'utf8'),
  );

  it('reads the real RunJobFlow record (mixed key casing): the cluster id is responseElements.jobFlowId', () => {
    expect(normalise(fixture, RULES)).toEqual({
      kind: 'resources',
      refs: [{ type: 'emr-cluster', account: ACCT, region: 'us-west-2', id: 'j-2WDJCGEG4E6AJ' }],
      trigger: {
        eventId: 'b348a38d-f744-4097-8b2a-e68c9b424698',
        eventName: 'RunJobFlow',
        source: 'elasticmapreduce.amazonaws.com',
        actor: `arn:aws:iam::${ACCT}:user/temporary-user-xx-7M`,
        time: '2018-03-31T17:59:21Z',
      },
    });
  });

  it('a RunJobFlow without a response (failed or truncated) names no resource', () => {
    expect(normalise({ ...fixture, responseElements: null }, RULES)).toMatchObject({
      kind: 'ignored',
      reason: 'NO_RESOURCE',
    });
  });

  const stateChange = (state: unknown, extra: Record<string, unknown> = {}) => ({
    version: '0',
    id: 'sc-1',
    'detail-type': 'EMR Cluster State Change',
    source: 'aws.emr',
    account: ACCT,
    time: '2026-11-27T10:00:00Z',
    region: R,
    resources: [],
    detail: {
      severity: 'INFO',
      stateChangeReason: '{"code":""}',
      name: 'etl',
      clusterId: 'j-ABC',
      state,
      message: 'starting',
    },
    ...extra,
  });

  it('reads an EMR Cluster State Change to STARTING', () => {
    expect(normalise(stateChange('STARTING'), RULES)).toEqual({
      kind: 'resources',
      refs: [{ type: 'emr-cluster', account: ACCT, region: R, id: 'j-ABC' }],
      trigger: {
        eventId: 'sc-1',
        eventName: 'EMR Cluster State Change (STARTING)',
        source: 'aws.emr',
        time: '2026-11-27T10:00:00Z',
      },
    });
  });

  it.each([['TERMINATED'], ['RUNNING'], [undefined]])('ignores a state change to %s', (state) => {
    expect(normalise(stateChange(state), RULES)).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_EVENT' });
  });

  it('rejects a state change with no region, ignores one with no cluster id or from another source', () => {
    expect(normalise(stateChange('STARTING', { region: undefined }), RULES)).toMatchObject({ kind: 'invalid' });
    const noId = stateChange('STARTING');
    delete (noId.detail as Record<string, unknown>).clusterId;
    expect(normalise(noId, RULES)).toMatchObject({ kind: 'ignored', reason: 'NO_RESOURCE' });
    expect(normalise(stateChange('STARTING', { source: 'aws.emr-serverless' }), RULES)).toMatchObject({
      kind: 'ignored',
      reason: 'UNKNOWN_EVENT',
    });
  });

  it('reads CreateSecurityConfiguration by its camelCase request name', () => {
    const n = normalise(
      {
        ...fixture,
        eventName: 'CreateSecurityConfiguration',
        requestParameters: { name: 'analytics', securityConfiguration: '{}' },
        responseElements: { name: 'analytics', creationDateTime: 'Nov 27, 2026 10:00:00 AM' },
      },
      RULES,
    );
    expect(n).toMatchObject({ kind: 'resources', refs: [{ type: 'emr-security-configuration', id: 'analytics' }] });
  });
});

describe('events/ samples for the EMR rules', () => {
  const dir = (type: string) => join(__dirname, '..', '..', '..', '..', 'events', type);
  const read = (type: string, f: string) => JSON.parse(readFileSync(join(dir(type), f), 'utf8'));
  it.each<[string, string, string, string | undefined]>([
    ['emr-security-configuration', 'CreateSecurityConfiguration.json', 'resources', 'analytics-sse-s3'],
    ['emr-security-configuration', 'CreateSecurityConfiguration-failed.json', 'ignored', undefined],
    ['emr-cluster', 'RunJobFlow.json', 'resources', 'j-2WDJCGEG4E6AJ'],
    ['emr-cluster', 'EMRClusterStateChange-STARTING.json', 'resources', 'j-2WDJCGEG4E6AJ'],
    ['emr-cluster', 'EMRClusterStateChange-TERMINATED-ignored.json', 'ignored', undefined],
  ])('%s/%s normalises to %s', (type, file, kind, id) => {
    const n = normalise(read(type, file), RULES);
    expect(n.kind).toBe(kind);
    if (n.kind === 'resources') expect(n.refs).toEqual([{ type, account: ACCT, region: R, id }]);
  });
});
