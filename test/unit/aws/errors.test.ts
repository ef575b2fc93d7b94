import { DescribeClusterCommand, DescribeSecurityConfigurationCommand, EMRClient } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { isAwsNotFound, translateAwsError } from '../../../shared/aws/errors';
import { processEvent } from '../../../shared/pipeline/process';
import { clusterStateChangeEvent, emrConfigurationEvent } from '../../../testbed/estates/estate-emr';
import { offlineClients, testDeps } from '../../support/harness';

/**
 * "Resource gone" is judged per operation. EMR reports a missing security configuration or cluster with
 * InvalidRequestException, the same exception it uses for any bad input (botocore emr service-2.json:
 * DescribeSecurityConfiguration and DescribeCluster list only InternalServerException and
 * InvalidRequestException); the ErrorCode member or the message tells them apart. The wording of the
 * not-found cases is moto 5.2.1's (moto/emr/models.py, exceptions.py), which the emulator tests also meet.
 */
const awsError = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 }, ...extra });

const missingConfig = awsError('InvalidRequestException', "Security configuration with name 'cfg' does not exist.", {
  ErrorCode: 'ResourceNotFound',
});
const missingCluster = awsError('InvalidRequestException', "Cluster id 'j-1' is not valid.", {
  ErrorCode: 'NoSuchCluster',
});
const badRequest = awsError(
  'InvalidRequestException',
  'Request rejected: the security configuration name contains invalid characters',
);

describe('not-found per operation', () => {
  it('EMR DescribeSecurityConfiguration: "does not exist" (or ErrorCode ResourceNotFound) is gone; another InvalidRequestException is not', () => {
    const op = 'elasticmapreduce:DescribeSecurityConfiguration';
    expect(isAwsNotFound(missingConfig, op)).toBe(true);
    expect(isAwsNotFound(awsError('InvalidRequestException', 'x', { ErrorCode: 'ResourceNotFound' }), op)).toBe(true);
    expect(isAwsNotFound(awsError('InvalidRequestException', "Security configuration 'cfg' does not exist"), op)).toBe(
      true,
    );
    expect(isAwsNotFound(badRequest, op)).toBe(false);
    expect(translateAwsError(badRequest, op, 'cfg')).toMatchObject({ code: 'AWS_ERROR', retryable: false });
    expect(translateAwsError(missingConfig, op, 'cfg')).toMatchObject({ code: 'RESOURCE_GONE' });
  });

  it('EMR DescribeCluster: "is not valid" (ErrorCode NoSuchCluster) is gone; a refused request is not', () => {
    const op = 'elasticmapreduce:DescribeCluster';
    expect(isAwsNotFound(missingCluster, op)).toBe(true);
    expect(
      isAwsNotFound(awsError('InvalidRequestException', 'Rate of requests exceeds the limit for this account'), op),
    ).toBe(false);
  });

  it('an EMR operation that names no not-found of its own never reads InvalidRequestException as gone', () => {
    for (const op of [
      'elasticmapreduce:AddTags',
      'elasticmapreduce:TerminateJobFlows',
      'elasticmapreduce:CreateSecurityConfiguration',
      'elasticmapreduce:ListClusters',
    ]) {
      expect(isAwsNotFound(missingConfig, op)).toBe(false);
      expect(translateAwsError(missingConfig, op).code).toBe('AWS_ERROR');
    }
  });

  it("a service's own not-found names hold for its operations only; parameter groups only where they are read", () => {
    expect(isAwsNotFound(awsError('NoSuchBucket', 'x'), 's3:GetEncryptionConfiguration')).toBe(true);
    expect(isAwsNotFound(awsError('DBInstanceNotFoundFault', 'x'), 'rds:DescribeDBInstances')).toBe(true);
    expect(isAwsNotFound(awsError('DBInstanceNotFoundFault', 'x'), 's3:GetEncryptionConfiguration')).toBe(false);
    expect(isAwsNotFound(awsError('DBParameterGroupNotFound', 'x'), 'rds:DescribeDBParameterGroups')).toBe(true);
    expect(isAwsNotFound(awsError('DBParameterGroupNotFound', 'x'), 'rds:DescribeDBInstances')).toBe(false);
    expect(isAwsNotFound(awsError('ExecutionDoesNotExist', 'x'), 'states:DescribeExecution')).toBe(true);
    expect(isAwsNotFound(awsError('NoSuchEntity', 'x'), 'iam:GetInstanceProfile')).toBe(true);
  });

  it('a label outside the tables keeps the unambiguous names and never InvalidRequestException', () => {
    expect(translateAwsError(awsError('NoSuchBucket', 'x'), 'existing-data').code).toBe('RESOURCE_GONE');
    expect(translateAwsError(badRequest, 'unknown').code).toBe('AWS_ERROR');
    expect(translateAwsError(missingConfig, 'unknown').code).toBe('AWS_ERROR');
  });
});

describe('EMR through the pipeline (SDK mocks: faults moto cannot make)', () => {
  const emr = mockClient(EMRClient);
  afterEach(() => {
    emr.reset();
  });
  afterAll(() => {
    emr.restore();
  });
  const clients = offlineClients();

  it('a refused DescribeSecurityConfiguration is an ERROR outcome with an alert, not "resource gone"', async () => {
    emr.on(DescribeSecurityConfigurationCommand).rejects(badRequest);
    const deps = testDeps(clients);
    const r = await processEvent(emrConfigurationEvent('cfg', 'us-east-1'), deps);
    expect(r.outcomes[0]).toMatchObject({
      status: 'ERROR',
      error: { code: 'AWS_ERROR', message: expect.stringContaining('invalid characters') },
    });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('a configuration that does not exist is NOT_APPLICABLE RESOURCE_GONE, no alert', async () => {
    emr.on(DescribeSecurityConfigurationCommand).rejects(missingConfig);
    const deps = testDeps(clients);
    const r = await processEvent(emrConfigurationEvent('cfg', 'us-east-1'), deps);
    expect(r.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
    expect(deps.alerts.alerts).toEqual([]);
  });

  it('a refused DescribeCluster is an ERROR outcome, a missing cluster is gone', async () => {
    emr.on(DescribeClusterCommand).rejectsOnce(badRequest).rejectsOnce(missingCluster);
    const refused = await processEvent(clusterStateChangeEvent('j-1', 'us-east-1'), testDeps(clients));
    expect(refused.outcomes[0]).toMatchObject({ status: 'ERROR', error: { code: 'AWS_ERROR' } });
    const gone = await processEvent(clusterStateChangeEvent('j-1', 'us-east-1'), testDeps(clients));
    expect(gone.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
  });
});
