import { callsOf, followsPlan, group, planLines, read, write } from '../../../shared/rules/plan';

const s = (op: string, service = 's3') => ({ service, operation: op });

describe('followsPlan: the calls sent against the calls planned', () => {
  const steps = [
    write('s3', 'PutBucketEncryption', { Bucket: 'b' }, 'default'),
    read('s3', 'GetBucketEncryption', { Bucket: 'b' }, 'verify'),
    read('s3', 'ListObjectVersions', { Bucket: 'b' }, 'list', { times: 'some' }),
    group('per object', [read('s3', 'HeadObject', {}, 'read'), write('s3', 'CopyObject', {}, 'copy')], {
      oneOf: true,
      times: 'any',
    }),
    write('s3', 'PutBucketTagging', {}, 'marker', { times: 'optional' }),
  ];

  it('accepts the planned order, with repeated and optional steps as often as they say', () => {
    expect(followsPlan(steps, [s('PutBucketEncryption'), s('GetBucketEncryption'), s('ListObjectVersions')])).toBe(
      true,
    );
    expect(
      followsPlan(steps, [
        s('PutBucketEncryption'),
        s('GetBucketEncryption'),
        s('ListObjectVersions'),
        s('ListObjectVersions'),
        s('HeadObject'),
        s('CopyObject'),
        s('HeadObject'),
        s('PutBucketTagging'),
      ]),
    ).toBe(true);
  });

  it('refuses a call not planned, a planned call missing, the wrong order or the wrong service', () => {
    expect(followsPlan(steps, [s('PutBucketEncryption'), s('ListObjectVersions')])).toBe(false);
    expect(
      followsPlan(steps, [
        s('PutBucketEncryption'),
        s('GetBucketEncryption'),
        s('ListObjectVersions'),
        s('DeleteObject'),
      ]),
    ).toBe(false);
    expect(followsPlan(steps, [s('GetBucketEncryption'), s('PutBucketEncryption'), s('ListObjectVersions')])).toBe(
      false,
    );
    expect(
      followsPlan(steps, [s('PutBucketEncryption', 'kms'), s('GetBucketEncryption'), s('ListObjectVersions')]),
    ).toBe(false);
    expect(
      followsPlan(steps, [
        s('PutBucketEncryption'),
        s('GetBucketEncryption'),
        s('ListObjectVersions'),
        s('PutBucketTagging'),
        s('PutBucketTagging'),
      ]),
    ).toBe(false);
  });

  it("a workflow step is a summary: its own calls are not this action's", () => {
    const wf = [
      write('sfn', 'StartExecution', {}, 'start'),
      {
        kind: 'workflow' as const,
        name: 'rds-reencrypt',
        purpose: 'p',
        input: {},
        steps: [write('rds', 'CopyDBSnapshot', {}, 'c')],
      },
    ];
    expect(followsPlan(wf, [s('StartExecution', 'sfn')])).toBe(true);
    expect(followsPlan(wf, [s('StartExecution', 'sfn'), s('CopyDBSnapshot', 'rds')])).toBe(false);
    expect(callsOf(wf).map((c) => c.operation)).toEqual(['StartExecution', 'CopyDBSnapshot']);
  });

  it('prints each step with its flags, gate and condition', () => {
    const lines = planLines([
      write('rds', 'DeleteDBSnapshot', { DBSnapshotIdentifier: 'x' }, 'delete the original', {
        destructive: true,
        gate: 'gates.deleteOriginals',
        times: 'optional',
        when: 'the copy verified',
      }),
    ]);
    expect(lines).toEqual([
      '1. rds:DeleteDBSnapshot DBSnapshotIdentifier=x [DESTRUCTIVE, gate gates.deleteOriginals] (if needed) when the copy verified — delete the original',
    ]);
  });
});
