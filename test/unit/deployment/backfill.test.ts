import { RULES } from '../../../shared/rules/registry';
import { actionsOf, readServerlessYml, roleStatements } from '../../../testbed/serverless-yml';

const sls = readServerlessYml();
const R = sls.resources.Resources;

describe('serverless.yml: backfill', () => {
  it('the worker role grants every permission the rules declare (the same statements as on-change), the invoke role none', () => {
    const worker = new Set(roleStatements(sls, 'BackfillWorkerRole').flatMap(actionsOf));
    const declared = RULES.flatMap((r) => [
      ...r.permissions.read,
      ...r.permissions.remediate,
      ...r.permissions.quarantine,
    ]);
    expect(declared.filter((a) => !worker.has(a))).toEqual([]);
    const invokeStatements = roleStatements(sls, 'BackfillRole');
    const invoke = new Set(invokeStatements.flatMap(actionsOf));
    // The invoke role may use the stack's own ServiceKey (its queue and table are encrypted with it), whose actions
    // s3-bucket also declares for data keys (kms:Decrypt, kms:GenerateDataKey): granted on no other resource.
    const ownKey = JSON.stringify({ 'Fn::GetAtt': ['ServiceKey', 'Arn'] });
    const beyondOwn = invokeStatements.filter((s) => JSON.stringify(s.Resource) !== ownKey).flatMap(actionsOf);
    expect(declared.filter((a) => beyondOwn.includes(a))).toEqual([]);
    expect([...invoke].sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      // The fan-out plans the organization's accounts (accounts.organization): list-only.
      'organizations:ListAccounts',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
      'sqs:SendMessage',
    ]);
  });

  it('no backfill statement allows every action', () => {
    for (const role of ['BackfillRole', 'BackfillWorkerRole']) {
      for (const s of roleStatements(sls, role))
        for (const a of actionsOf(s)) expect(a === '*' || a.endsWith(':*')).toBe(false);
    }
  });

  it('the worker consumes the unit queue with partial batch failures; the queue dead-letters and outlives the worker timeout', () => {
    const worker = sls.functions.backfillWorker;
    const sqs = worker.events[0].sqs;
    expect(sqs).toMatchObject({
      arn: { 'Fn::GetAtt': ['BackfillQueue', 'Arn'] },
      functionResponseType: 'ReportBatchItemFailures',
      batchSize: 1,
    });
    expect(R.BackfillQueue.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({
      'Fn::GetAtt': ['BackfillDlq', 'Arn'],
    });
    expect(R.BackfillQueue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.timeout);
    expect(sls.functions.backfill.environment.BACKFILL_QUEUE_URL).toEqual({ Ref: 'BackfillQueue' });
  });

  it('queue, dead letters and sweep table are encrypted with the service key; the table expires items; reports use the CMK', () => {
    expect(R.BackfillQueue.Properties.KmsMasterKeyId).toEqual({ Ref: 'ServiceKey' });
    expect(R.BackfillDlq.Properties.KmsMasterKeyId).toEqual({ Ref: 'ServiceKey' });
    expect(R.SweepTable.Properties.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: { Ref: 'ServiceKey' },
    });
    expect(R.SweepTable.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    const enc = R.ReportBucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(enc.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(enc.BucketKeyEnabled).toBe(true);
  });

  it('only the service roles may publish alerts', () => {
    const deny = R.AlertTopicPolicy.Properties.PolicyDocument.Statement.find(
      (s: { Sid: string }) => s.Sid === 'OnlyTheServicePublishes',
    );
    expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual([
      { 'Fn::GetAtt': ['OnChangeRole', 'Arn'] },
      { 'Fn::GetAtt': ['BackfillWorkerRole', 'Arn'] },
      { 'Fn::GetAtt': ['WorkflowStepRole', 'Arn'] },
      { 'Fn::GetAtt': ['WaiverCheckRole', 'Arn'] },
    ]);
  });
});
