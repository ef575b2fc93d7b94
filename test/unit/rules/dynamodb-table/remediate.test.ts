import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  type SSEDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { processEvent } from '../../../../shared/pipeline/process';
import { dynamodbEvent } from '../../../../testbed/estates/estate-data-platform';
import { offlineClients, onlyRules, testDeps } from '../../../support/harness';

onlyRules('dynamodb-table');

/**
 * SDK mocks for what the emulator cannot show: its UpdateTable completes at once (testbed/emulator/dynamodb_ext.py),
 * while DynamoDB reports encryption UPDATING for a while, and an AccessDenied fault. The re-key itself runs on
 * the emulator in test/integration/dynamodb-table.test.ts.
 */
describe('dynamodb-table remediation faults (SDK mock: UPDATING in progress, AccessDenied)', () => {
  const ddb = mockClient(DynamoDBClient);
  const kms = mockClient(KMSClient);
  const R = 'us-east-1';
  const CMK = `arn:aws:kms:${R}:123456789012:key/cmk-1`;
  let sse: SSEDescription | undefined;
  let applyAs: 'ENABLED' | 'UPDATING';

  beforeEach(() => {
    ddb.reset();
    sse = undefined;
    applyAs = 'ENABLED';
    kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }) => ({
      KeyMetadata: {
        Arn: input.KeyId.startsWith('arn:aws:kms') && !input.KeyId.includes('alias') ? input.KeyId : CMK,
        KeyId: 'cmk-1',
        KeyManager: 'CUSTOMER',
        KeyState: 'Enabled',
      },
    }));
    ddb.on(DescribeTableCommand).callsFake(async () => ({
      Table: {
        TableName: 'device-state',
        TableArn: `arn:aws:dynamodb:${R}:123456789012:table/device-state`,
        TableStatus: 'ACTIVE',
        SSEDescription: sse,
      },
    }));
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    ddb.on(UpdateTableCommand).callsFake(async (input: { SSESpecification: { KMSMasterKeyId: string } }) => {
      sse = { Status: applyAs, SSEType: 'KMS', KMSMasterKeyArn: input.SSESpecification.KMSMasterKeyId };
      return {};
    });
  });

  it('while DynamoDB still applies the key (UPDATING) it is PENDING, and the next event sends no second UpdateTable', async () => {
    applyAs = 'UPDATING';
    const deps = testDeps(offlineClients());
    const r = await processEvent(dynamodbEvent('CreateTable', 'device-state', R), deps);
    expect(r.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'PENDING' });
    sse = { Status: 'UPDATING', SSEType: 'KMS', KMSMasterKeyArn: `arn:aws:kms:${R}:123456789012:key/old` };
    const again = await processEvent(dynamodbEvent('UpdateTable', 'device-state', R), deps);
    expect(again.outcomes[0]).toMatchObject({ reason: 'ENCRYPTION_IN_PROGRESS', result: 'UNCHANGED' });
    expect(ddb.commandCalls(UpdateTableCommand)).toHaveLength(1);
  });

  it('AccessDenied on UpdateTable is an ERROR naming the permission, not a success', async () => {
    ddb
      .on(UpdateTableCommand)
      .rejects(
        Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }),
      );
    const r = await processEvent(dynamodbEvent('CreateTable', 'device-state', R), testDeps(offlineClients()));
    expect(r.outcomes[0]).toMatchObject({
      status: 'ERROR',
      error: { code: 'ACCESS_DENIED', missingPermission: 'dynamodb:UpdateTable' },
    });
  });
});
