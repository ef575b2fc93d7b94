import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processEvent } from '../../../shared/pipeline/process';
import { detectTamper, exemptTagValue, isServiceActor } from '../../../shared/tamper/tamper';
import { cloudTrailEvent } from '../../../testbed/estates/estate';
import { offlineClients, testDeps, testPolicy } from '../../support/harness';

const policy = testPolicy();
const sample = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'events', 'tamper', name), 'utf8'));
// No AWS call is needed for a tamper event; a call would fail against this closed port.
const deps = () => testDeps(offlineClients());

describe('tamper alerts: the ways to switch cmk-sentinel off', () => {
  it.each([
    ['PutBucketTagging-exempt.json', 'TAMPER_EXEMPT_TAG', 'example-data-lake'],
    ['AddTagsToResource-exempt.json', 'TAMPER_EXEMPT_TAG', 'arn:aws:rds:us-east-1:123456789012:db:orders'],
    ['DeleteRule.json', 'TAMPER_EVENT_RULE', 'cmk-sentinel-prod-onChange-rule-1'],
    ['DisableRule.json', 'TAMPER_EVENT_RULE', 'cmk-sentinel-prod-onChange-rule-1'],
    ['RemoveTargets.json', 'TAMPER_EVENT_RULE', 'cmk-sentinel-prod-onChange-rule-2'],
    ['StopLogging.json', 'TAMPER_TRAIL', 'arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events'],
    ['PutRolePolicy.json', 'TAMPER_ROLE', 'cmk-sentinel-prod-us-east-1-on-change'],
  ])('%s raises one CRITICAL alert (%s on %s) and one log line', async (file, reason, target) => {
    const d = deps();
    const result = await processEvent(sample(file), d);
    expect(d.alerts.alerts).toHaveLength(1);
    expect(d.alerts.alerts[0]).toMatchObject({
      severity: 'CRITICAL',
      reason,
      resource: { id: target },
      trigger: { actor: expect.stringContaining('mallory') },
    });
    expect(result.tamper?.delivered).toBe(true);
    expect(d.log.lines).toHaveLength(1);
    expect(d.log.lines[0]).toMatchObject({ level: 'error', message: 'tamper detected' });
  });

  it('KMS, Redshift and EMR tag shapes and tag maps carry the exemption tag too', () => {
    const tag = 'cmk-sentinel:exempt';
    expect(exemptTagValue({ keyId: 'k', tags: [{ tagKey: tag, tagValue: 'TRUE' }] }, tag)).toBe('TRUE');
    expect(exemptTagValue({ resourceName: 'c', tags: [{ key: tag, value: 'true' }] }, tag)).toBe('true');
    expect(exemptTagValue({ resourceId: 'j', tags: [{ Key: tag, Value: 'true' }] }, tag)).toBe('true');
    expect(exemptTagValue({ resourceArn: 'x', tags: { [tag]: 'true' } }, tag)).toBe('true');
    expect(exemptTagValue({ tags: [{ key: 'owner', value: 'a' }] }, tag)).toBeNull();
  });

  it('does not alert on harmless look-alikes', () => {
    const ct = (
      eventSource: string,
      eventName: string,
      requestParameters: Record<string, unknown>,
      errorCode?: string,
    ) =>
      cloudTrailEvent({ source: 'aws.x', eventSource, eventName, region: 'us-east-1', requestParameters, errorCode });
    expect(
      detectTamper(ct('events.amazonaws.com', 'DeleteRule', { name: 'someone-elses-rule' }), policy),
    ).toBeUndefined();
    expect(
      detectTamper(ct('iam.amazonaws.com', 'PutRolePolicy', { roleName: 'data-engineer' }), policy),
    ).toBeUndefined();
    expect(
      detectTamper(
        ct('s3.amazonaws.com', 'PutBucketTagging', {
          bucketName: 'b',
          Tagging: { TagSet: { Tag: { Key: 'cmk-sentinel:exempt', Value: 'false' } } },
        }),
        policy,
      ),
    ).toBeUndefined();
    // A failed attempt changed nothing (and the EventBridge pattern drops it anyway).
    expect(
      detectTamper(ct('events.amazonaws.com', 'DeleteRule', { name: 'cmk-sentinel-prod-x' }, 'AccessDenied'), policy),
    ).toBeUndefined();
    // The member role the service assumes in other accounts counts as its role.
    expect(
      detectTamper(ct('iam.amazonaws.com', 'DetachRolePolicy', { roleName: 'cmk-sentinel-member' }), policy)?.reason,
    ).toBe('TAMPER_ROLE');
  });

  it("recognises the service's own role as actor (logged, never relied on)", () => {
    expect(
      isServiceActor(
        'arn:aws:sts::123456789012:assumed-role/cmk-sentinel-prod-us-east-1-on-change/cmk-sentinel-prod-us-east-1-on-change',
        policy,
      ),
    ).toBe(true);
    expect(isServiceActor('arn:aws:sts::123456789012:assumed-role/data-engineer/alice', policy)).toBe(false);
    expect(isServiceActor(undefined, policy)).toBe(false);
  });
});
