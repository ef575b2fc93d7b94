import { isKnownRegion, isRoleRef } from '../../../shared/policy/regions';

describe('regions and key users, as the policy and the backfill check them', () => {
  it('knows the regions of every partition the SDK lists, and no made-up one that merely looks like a region', () => {
    for (const r of ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'cn-north-1', 'us-gov-west-1'])
      expect(isKnownRegion(r)).toBe(true);
    for (const r of ['us-east-9', 'eu-wset-1', 'mars-north-1', 'US-EAST-1', '']) expect(isKnownRegion(r)).toBe(false);
  });

  it('takes a role ARN (with a path, any partition) or a role name; nothing else', () => {
    for (const k of [
      'arn:aws:iam::123456789012:role/emr-ec2',
      'arn:aws-us-gov:iam::123456789012:role/service/etl',
      'data-engineer',
      'a+b=c,d.e@f_g-h',
    ])
      expect(isRoleRef(k)).toBe(true);
    for (const k of [
      'not a role!',
      'arn:aws:iam::123456789012:user/alice',
      'arn:aws:iam::12345:role/x',
      'x'.repeat(65),
      '',
    ])
      expect(isRoleRef(k)).toBe(false);
  });
});
