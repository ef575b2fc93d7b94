import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalise } from '../../../shared/events/normalise';
import { RULES } from '../../../shared/rules/registry';
import { s3Event } from '../../../testbed/estates/estate';

const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', path), 'utf8'));

describe('normalise', () => {
  it('reads the real CreateBucket event (LocationConstraint, xmlns, null responseElements)', () => {
    const n = normalise(fixture('cloudtrail/event-cloud-trail-create-bucket.json'), RULES);
    expect(n).toEqual({
      kind: 'resources',
      // CreateBucket is a trigger of every bucket rule: one reference each.
      refs: [
        { type: 's3-bucket', account: '619193117841', region: 'us-west-2', id: 'custodian-create-bucket-v4' },
        // A new bucket (Object Lock makes it versioned at once) may be a replication destination.
        { type: 's3-replication', account: '619193117841', region: 'us-west-2', id: 'to:custodian-create-bucket-v4' },
        { type: 's3-tls', account: '619193117841', region: 'us-west-2', id: 'custodian-create-bucket-v4' },
      ],
      trigger: {
        eventId: '075efcc5-cc27-4041-accc-5fe2f65ef80d',
        eventName: 'CreateBucket',
        source: 's3.amazonaws.com',
        actor: 'arn:aws:iam::619193117841:root',
        time: '2016-06-04T12:19:03Z',
      },
    });
  });

  it('reads the real CreateBucket event made by an assumed role', () => {
    const n = normalise(fixture('cloudtrail/event-cloud-trail-s3.json'), RULES);
    expect(n.kind).toBe('resources');
    if (n.kind === 'resources') expect(n.refs[0]?.type).toBe('s3-bucket');
  });

  it('reads the EventBridge envelope published in the AWS docs', () => {
    const n = normalise(fixture('aws-docs/s3-CreateBucket-eventbridge.json'), RULES);
    expect(n.kind).toBe('resources');
  });

  it('accepts a bare CloudTrail record without its envelope and ignores a type it does not handle', () => {
    const n = normalise(fixture('cloudtrail/event-cloud-trail-create-db.json'), RULES);
    // The RDS rule is not in this registry yet: a known shape, an unhandled event.
    expect(['ignored', 'resources']).toContain(n.kind);
    if (n.kind === 'ignored') expect(n.reason).toBe('UNKNOWN_EVENT');
  });

  it('skips a call that failed', () => {
    const n = normalise(s3Event('PutBucketEncryption', 'b', 'us-east-1', { errorCode: 'AccessDenied' }), RULES);
    expect(n).toMatchObject({ kind: 'ignored', reason: 'FAILED_CALL' });
  });

  it('reads a Config configuration item change and a compliance change', () => {
    const item = normalise(
      {
        'detail-type': 'Config Configuration Item Change',
        source: 'aws.config',
        account: '123456789012',
        region: 'eu-west-1',
        id: 'e1',
        detail: {
          messageType: 'ConfigurationItemChangeNotification',
          configurationItem: {
            resourceType: 'AWS::S3::Bucket',
            resourceId: 'data-lake',
            resourceName: 'data-lake',
            awsRegion: 'eu-west-1',
            awsAccountId: '123456789012',
            configurationItemStatus: 'OK',
          },
        },
      },
      RULES,
    );
    expect(item).toMatchObject({
      kind: 'resources',
      refs: [{ type: 's3-bucket', id: 'data-lake', region: 'eu-west-1', account: '123456789012' }],
      trigger: { eventName: 'Config Configuration Item Change', source: 'aws.config' },
    });
    const compliance = normalise(
      {
        'detail-type': 'Config Rules Compliance Change',
        source: 'aws.config',
        account: '123456789012',
        region: 'eu-west-1',
        id: 'e2',
        detail: {
          resourceId: 'data-lake',
          awsRegion: 'eu-west-1',
          awsAccountId: '123456789012',
          configRuleName: 's3-kms',
          resourceType: 'AWS::S3::Bucket',
          newEvaluationResult: { complianceType: 'NON_COMPLIANT' },
        },
      },
      RULES,
    );
    expect(compliance).toMatchObject({ kind: 'resources', refs: [{ type: 's3-bucket', id: 'data-lake' }] });
  });

  it('reads Config notifications delivered through SNS, and ignores types it does not handle', () => {
    for (const f of [
      'config-ConfigurationItemChangeNotification-sns-ec2-instance.json',
      'config-ConfigurationItemChangeNotification-sns-ec2-volume.json',
      'config-ComplianceChangeNotification-sns-account.json',
    ]) {
      expect(normalise(fixture(`aws-docs/${f}`), RULES)).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_EVENT' });
    }
  });

  it('ignores an event name it does not handle, with a message that names it', () => {
    const n = normalise(s3Event('PutBucketAcl', 'b', 'us-east-1'), RULES);
    expect(n).toMatchObject({
      kind: 'ignored',
      reason: 'UNKNOWN_EVENT',
      message: expect.stringContaining('PutBucketAcl'),
    });
  });

  it.each<[string, unknown, string]>([
    ['null', null, '(root)'],
    ['a string', 'CreateBucket', '(root)'],
    ['an array', [1, 2], '(root)'],
    ['no detail-type', { detail: {} }, 'detail-type'],
    ['detail not an object', { 'detail-type': 'AWS API Call via CloudTrail', detail: 'x' }, 'detail'],
    [
      'no eventName',
      { 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 's3.amazonaws.com' } },
      'detail.eventName',
    ],
    [
      'eventName of the wrong type',
      { 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 's3.amazonaws.com', eventName: 42 } },
      'detail.eventName',
    ],
    [
      'no region',
      {
        'detail-type': 'AWS API Call via CloudTrail',
        account: '1',
        detail: { eventSource: 's3.amazonaws.com', eventName: 'CreateBucket' },
      },
      'detail.awsRegion',
    ],
    [
      'Config item missing',
      { 'detail-type': 'Config Configuration Item Change', detail: {} },
      'detail.configurationItem',
    ],
  ])('rejects %s with a typed error naming the field', (_label, event, field) => {
    const n = normalise(event, RULES);
    expect(n.kind).toBe('invalid');
    if (n.kind === 'invalid') {
      expect(n.error.code).toBe('INVALID_EVENT');
      expect(n.error.details.field).toBe(field);
    }
  });

  it('a CloudTrail event with no bucket name gives NO_RESOURCE', () => {
    const e = s3Event('CreateBucket', 'x', 'us-east-1') as { detail: { requestParameters: unknown } };
    e.detail.requestParameters = null;
    expect(normalise(e, RULES)).toMatchObject({ kind: 'ignored', reason: 'NO_RESOURCE' });
  });
});
