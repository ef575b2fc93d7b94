import type { KeyInfo, ObservedKey } from '../../../../shared/kms/key-resolver';
import {
  evaluateRdsBackupReplication,
  type RdsBackupReplicationState,
} from '../../../../shared/rules/rds-backup-replication';
import { testPolicy } from '../../../support/harness';

// The pure half of rds-backup-replication; the rule end to end runs on the emulator
// (test/integration/rds-backup-replication.test.ts), which cannot make the other-Region-key case.
const W = 'eu-west-1';
const CMK: KeyInfo = {
  arn: `arn:aws:kms:${W}:123456789012:key/west`,
  keyId: 'west',
  region: W,
  account: '123456789012',
  managedBy: 'CUSTOMER',
};
const ctx = { region: W, cmk: CMK, policy: testPolicy() };
const source = 'arn:aws:rds:us-east-1:123456789012:db:orders';
const state = (observedKey: ObservedKey | undefined, encrypted = true): RdsBackupReplicationState => ({
  sourceArn: source,
  region: W,
  status: 'replicating',
  encrypted,
  retentionPeriod: 7,
  observedKey,
});

describe('evaluateRdsBackupReplication', () => {
  it("backups replicated under the source Region's key are WRONG_REGION_KEY", () => {
    const east = 'arn:aws:kms:us-east-1:123456789012:key/east';
    expect(
      evaluateRdsBackupReplication(
        state({ ref: east, info: { ...CMK, arn: east, keyId: 'east', region: 'us-east-1' } }),
        ctx,
      ),
    ).toMatchObject({ status: 'NON_COMPLIANT', reason: 'WRONG_REGION_KEY', observedKey: east, expectedKey: CMK.arn });
  });

  it('the AWS-managed key is AWS_MANAGED_KEY; unencrypted is UNENCRYPTED; the CMK is compliant', () => {
    expect(
      evaluateRdsBackupReplication(
        state({ ref: 'alias/aws/rds', info: { ...CMK, arn: 'alias/aws/rds', managedBy: 'AWS' } }),
        ctx,
      ).reason,
    ).toBe('AWS_MANAGED_KEY');
    expect(evaluateRdsBackupReplication(state(undefined, false), ctx).reason).toBe('UNENCRYPTED');
    expect(evaluateRdsBackupReplication(state({ ref: CMK.arn, info: CMK }), ctx).status).toBe('COMPLIANT');
  });
});
